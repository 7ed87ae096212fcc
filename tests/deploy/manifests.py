"""Rendering and reading the deployment artefacts for the tests.

Kustomizations are rendered with ``kubectl kustomize`` (once per folder and run). Without
kubectl the test needing it fails under ``CI=true`` or ``STAMPEDE_REQUIRE_SERVICES=1`` — the
tool is then required, like the real servers — and is skipped elsewhere.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from tests.conftest import services_required

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
SCHEMAS = ROOT / "deploy" / "schemas"
KUBECTL = "/usr/bin/kubectl"
NAMESPACE = "stampede"
KUSTOMIZATIONS = ("base", "infra", "overlays/dev", "overlays/prod")
OVERLAYS = ("overlays/dev", "overlays/prod")
HASH_SUFFIX = re.compile(r"-[a-z0-9]{10}$")  # what kustomize appends to a generated ConfigMap
Resource = dict[str, Any]


def kubectl() -> str:
    """The kubectl binary (its built-in kustomize renders the manifests)."""
    found = shutil.which("kubectl") or (KUBECTL if Path(KUBECTL).exists() else None)
    if found is None:
        message = "kubectl is not installed, so the manifests cannot be rendered"
        if services_required():
            pytest.fail(f"{message} (required with CI=true or STAMPEDE_REQUIRE_SERVICES=1)")
        pytest.skip(message)
    return found


@functools.cache
def _rendered(folder: str, binary: str) -> tuple[Resource, ...]:
    done = subprocess.run(
        [binary, "kustomize", str(K8S / folder)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"kubectl kustomize {folder} failed:\n{done.stderr}"
    return tuple(doc for doc in yaml.safe_load_all(done.stdout) if doc)


def render(folder: str) -> list[Resource]:
    """The resources of ``deploy/k8s/<folder>`` as kustomize builds them (shared: read only)."""
    return list(_rendered(folder, kubectl()))


def load_yaml(path: Path) -> list[Resource]:
    """The documents of a YAML file that is applied as it is (no kustomization)."""
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def of_kind(resources: list[Resource], kind: str) -> list[Resource]:
    return [r for r in resources if r["kind"] == kind]


def named(resources: list[Resource], kind: str, name: str) -> Resource:
    """The one resource of ``kind`` called ``name`` (a ConfigMap's hash suffix is ignored)."""
    found = [r for r in of_kind(resources, kind) if base_name(r) == name]
    assert len(found) == 1, f"expected one {kind}/{name}, found {len(found)}"
    return found[0]


def base_name(resource: Resource) -> str:
    """Its name, without the hash kustomize appends to a generated ConfigMap's."""
    name = str(resource["metadata"]["name"])
    return HASH_SUFFIX.sub("", name) if resource["kind"] == "ConfigMap" else name


def pod_spec(workload: Resource) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def container(workload: Resource, name: str = "app") -> dict[str, Any]:
    found = [c for c in pod_spec(workload)["containers"] if c["name"] == name]
    assert found, f"{workload['kind']}/{workload['metadata']['name']} has no container {name}"
    return dict(found[0])


def config_data(resources: list[Resource], name: str) -> dict[str, str]:
    data: dict[str, str] = named(resources, "ConfigMap", name).get("data", {})
    return data


def group_of(resource: Resource) -> str:
    api = str(resource["apiVersion"])
    return api.split("/")[0] if "/" in api else ""


def is_custom(resource: Resource) -> bool:
    """Defined by a CustomResourceDefinition (Istio, Argo, RabbitMQ), not by Kubernetes."""
    group = group_of(resource)
    return "." in group and not group.endswith(".k8s.io")


def schema_file(resource: Resource) -> str:
    version = str(resource["apiVersion"]).split("/")[-1]
    return f"{str(resource['kind']).lower()}_{group_of(resource)}_{version}.json"


@functools.cache
def _schemas() -> tuple[Registry, dict[str, dict[str, Any]]]:
    contents = {p.name: json.loads(p.read_text()) for p in sorted(SCHEMAS.glob("*.json"))}
    registry: Registry = Registry().with_resources(
        (doc["$id"], DRAFT202012.create_resource(doc)) for doc in contents.values()
    )
    return registry, contents


def schema_names() -> list[str]:
    return sorted(_schemas()[1])


def schema_problems(resource: Resource) -> list[str]:
    """Where ``resource`` breaks its kind's schema in deploy/schemas (no schema: a problem)."""
    registry, contents = _schemas()
    where = f"{resource['kind']}/{resource['metadata']['name']}"
    schema = contents.get(schema_file(resource))
    if schema is None:
        return [f"{where}: no schema {schema_file(resource)} in deploy/schemas"]
    validator = Draft202012Validator(schema, registry=registry)
    return [
        f"{where}: {'.'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in validator.iter_errors(resource)
    ]
