"""Every kustomization builds, and everything it builds is valid.

Kubernetes' own kinds are checked against the Kubernetes OpenAPI schemas in strict mode
(kubernetes-validate: an unknown or misspelt field is an error). The custom resources (Istio,
Argo Rollouts, Argo CD, the RabbitMQ operator) are checked against the JSON Schemas kept in
deploy/schemas, which refuse fields they do not know.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
from jsonschema import Draft202012Validator

from tests.deploy import manifests
from tests.deploy.manifests import (
    K8S,
    KUSTOMIZATIONS,
    NAMESPACE,
    OVERLAYS,
    SCHEMAS,
    Resource,
    is_custom,
    load_yaml,
    named,
    render,
    schema_file,
    schema_names,
    schema_problems,
)

KUBERNETES_VERSION = "1.30"
CLUSTER_SCOPED = {"Namespace"}
APPLICATION = K8S / "argocd" / "application.yaml"


def kubernetes_problems(resource: Resource) -> list[str]:
    """Where a core resource breaks the Kubernetes schema of KUBERNETES_VERSION (strict)."""
    where = f"{resource['kind']}/{resource['metadata']['name']}"
    try:
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = ".".join(str(p) for p in error.path)
        return [f"{where}: {path}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError as error:
        return [f"{where}: {error.message}"]
    return []


@pytest.mark.parametrize("folder", KUSTOMIZATIONS)
def test_each_kustomization_builds(folder: str) -> None:
    """kubectl kustomize builds the folder, and every resource has a kind and a name."""
    resources = render(folder)
    assert resources
    for resource in resources:
        assert resource.get("apiVersion") and resource.get("kind")
        assert resource.get("metadata", {}).get("name")


@pytest.mark.parametrize("folder", KUSTOMIZATIONS)
def test_core_resources_are_valid_kubernetes(folder: str) -> None:
    """Deployments, Services, autoscalers, budgets, ConfigMaps… pass the strict schemas."""
    core = [r for r in render(folder) if not is_custom(r)]
    problems = [p for r in core for p in kubernetes_problems(r)]
    assert core and not problems, "\n".join(problems)


@pytest.mark.parametrize("folder", KUSTOMIZATIONS)
def test_custom_resources_match_their_schemas(folder: str) -> None:
    """Every custom resource has a schema in deploy/schemas and passes it."""
    problems = [p for r in render(folder) if is_custom(r) for p in schema_problems(r)]
    assert not problems, "\n".join(problems)


def test_the_argocd_application_matches_its_schema() -> None:
    (application,) = load_yaml(APPLICATION)
    assert schema_problems(application) == []


def test_every_schema_is_a_valid_json_schema_and_is_used() -> None:
    """A schema nobody uses is dead weight; each one must itself be valid JSON Schema."""
    used = {schema_file(r) for f in OVERLAYS for r in render(f) if is_custom(r)}
    used |= {schema_file(r) for r in render("infra") if is_custom(r)}
    used |= {schema_file(r) for r in load_yaml(APPLICATION)}
    for name in schema_names():
        Draft202012Validator.check_schema(load_json(name))
    assert set(schema_names()) - {"common.json"} == used


def load_json(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / name).read_text())
    return loaded


@pytest.mark.parametrize("folder", OVERLAYS)
def test_overlays_put_everything_in_the_stampede_namespace(folder: str) -> None:
    for resource in render(folder):
        if resource["kind"] in CLUSTER_SCOPED:
            assert resource["metadata"]["name"] == NAMESPACE
        else:
            assert resource["metadata"].get("namespace") == NAMESPACE, resource["metadata"]


def test_a_misspelt_core_field_is_refused() -> None:
    """Strict mode is on: a typo in a Deployment does not pass as an ignored extra field."""
    deployment = copy.deepcopy(named(render("base"), "Deployment", "sales"))
    app = deployment["spec"]["template"]["spec"]["containers"][0]
    app["livenessProbes"] = app.pop("livenessProbe")
    assert any("livenessProbes" in p for p in kubernetes_problems(deployment))


def test_a_misspelt_custom_field_is_refused() -> None:
    """The custom schemas refuse unknown fields too: a misspelt retry policy fails."""
    service = copy.deepcopy(named(render("overlays/prod"), "VirtualService", "stampede"))
    route = service["spec"]["http"][0]
    route["retires"] = route.pop("retries")
    assert any("retires" in p for p in schema_problems(service))
    route["retries"] = {"attempts": 2, "retryOn": "connect-failures"}
    del route["retires"]
    assert any("retryOn" in p for p in schema_problems(service))


def test_without_kubectl_ci_fails_and_a_laptop_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    """The manifests are checked wherever tests are required; elsewhere a missing kubectl
    only skips."""
    monkeypatch.setattr("shutil.which", lambda _: None)
    monkeypatch.setattr(manifests, "KUBECTL", "/nonexistent/kubectl")
    monkeypatch.delenv("STAMPEDE_REQUIRE_SERVICES", raising=False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="kubectl is not installed"):
        manifests.kubectl()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="kubectl is not installed"):
        manifests.kubectl()


def test_a_custom_resource_without_a_schema_is_refused() -> None:
    unknown: Resource = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {},
    }
    assert is_custom(unknown)
    assert schema_problems(unknown) == [
        "Widget/w: no schema widget_example.com_v1.json in deploy/schemas"
    ]
