"""The manifests agree with the code: one Deployment per context of ``compose.MODULES`` plus
the gateway, on the ports of ``SERVICE_PORTS``, configured only with settings that
``Settings`` reads, and never with a committed secret."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from stampede.compose import MODULES
from stampede.kernel.settings import SERVICE_PORTS, Settings
from tests.deploy.manifests import (
    HASH_SUFFIX,
    K8S,
    KUSTOMIZATIONS,
    OVERLAYS,
    base_name,
    config_data,
    container,
    named,
    of_kind,
    pod_spec,
    render,
)

CONTEXTS = [m.name for m in MODULES]
ROLES = [*CONTEXTS, "gateway"]
SERVED = {"gateway": ["gateway", "web"]}  # the entry pod also serves the pages
POD_PORT = 8080
STOP_MARGIN_S = 10  # the platform's stop after the drain: relays, bus, databases
KINDS = (
    "ServiceAccount",
    "Deployment",
    "Service",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
)
PER_CONTEXT = {f"{c.upper()}_URL" for c in CONTEXTS} | {
    f"{c.upper()}_DATABASE_URL" for c in CONTEXTS
}
KNOWN_SETTINGS = {str(f.alias) for f in Settings.model_fields.values() if f.alias} | PER_CONTEXT
PASSWORD_IN_URL = re.compile(r"://[^/@\s:]+:[^/@\s]+@")


def env_sources(box: dict[str, Any]) -> list[str]:
    """The ConfigMaps and Secrets a container reads whole, in order (hash suffix dropped)."""
    sources = []
    for source in box.get("envFrom", []):
        kind, ref = next(iter(source.items()))
        sources.append(f"{kind}:{HASH_SUFFIX.sub('', ref['name'])}")
    return sources


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_its_resources(role: str) -> None:
    """ServiceAccount, Deployment, Service, autoscaler, budget and its own ConfigMap."""
    resources = render("base")
    for kind in KINDS:
        named(resources, kind, role)
    named(resources, "ConfigMap", f"{role}-config")


def test_nothing_but_the_roles_is_deployed_by_base() -> None:
    names = sorted(d["metadata"]["name"] for d in of_kind(render("base"), "Deployment"))
    assert names == sorted(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_each_pod_serves_its_role_on_the_usual_port(role: str) -> None:
    """`stampede serve <role>` on 8080 in the pod, behind a Service on the role's usual port."""
    resources = render("base")
    deployment = named(resources, "Deployment", role)
    app = container(deployment)
    served = SERVED.get(role, [role])
    assert app["args"] == ["serve", *served]
    assert app["image"] == "stampede"
    assert pod_spec(deployment)["serviceAccountName"] == role
    assert config_data(resources, f"{role}-config")["STAMPEDE_CONTEXTS"] == ",".join(served)
    assert config_data(resources, "stampede-config")["STAMPEDE_PORT"] == str(POD_PORT)
    assert app["ports"] == [{"name": "http", "containerPort": POD_PORT, "protocol": "TCP"}]
    (port,) = named(resources, "Service", role)["spec"]["ports"]
    assert (port["port"], port["targetPort"]) == (SERVICE_PORTS[role], "http")


@pytest.mark.parametrize("role", ROLES)
def test_settings_come_from_configmaps_then_the_secret(role: str) -> None:
    """Shared settings, then the role's own, then stampede-secrets, which overrides both."""
    app = container(named(render("base"), "Deployment", role))
    assert env_sources(app) == [
        "configMapRef:stampede-config",
        f"configMapRef:{role}-config",
        "secretRef:stampede-secrets",
    ]


@pytest.mark.parametrize("context", CONTEXTS)
def test_each_context_migrates_before_it_serves(context: str) -> None:
    """The `migrate` init container has the app's image, settings and database password."""
    deployment = named(render("base"), "Deployment", context)
    app = container(deployment)
    (init,) = pod_spec(deployment)["initContainers"]
    assert (init["name"], init["args"], init["image"]) == ("migrate", ["migrate"], app["image"])
    assert env_sources(init) == env_sources(app)
    assert init["env"] == app["env"]


def test_the_gateway_has_no_database() -> None:
    resources = render("base")
    gateway = named(resources, "Deployment", "gateway")
    assert "initContainers" not in pod_spec(gateway) and "env" not in container(gateway)
    assert set(config_data(resources, "gateway-config")) == {"STAMPEDE_CONTEXTS"}


@pytest.mark.parametrize("context", CONTEXTS)
def test_each_context_has_its_own_database_and_password(context: str) -> None:
    """`<CONTEXT>_DATABASE_URL` names the postgres Service, the role and database of the
    context, and no password: PGPASSWORD comes from the Secret stampede-db."""
    resources = render("base")
    url = urlsplit(config_data(resources, f"{context}-config")[f"{context.upper()}_DATABASE_URL"])
    assert url.scheme == "postgresql+asyncpg" and url.password is None
    assert (url.username, url.hostname, url.port) == (
        context,
        "postgres.stampede.svc.cluster.local",
        5432,
    )
    assert url.path == f"/stampede_{context}"
    (password,) = container(named(resources, "Deployment", context))["env"]
    reference = {"secretKeyRef": {"name": "stampede-db", "key": context}}
    assert password == {"name": "PGPASSWORD", "valueFrom": reference}


def test_every_context_is_reached_by_its_cluster_dns_name() -> None:
    config = config_data(render("base"), "stampede-config")
    for context in CONTEXTS:
        expected = f"http://{context}.stampede.svc.cluster.local:{SERVICE_PORTS[context]}"
        assert config[f"{context.upper()}_URL"] == expected


@pytest.mark.parametrize("folder", KUSTOMIZATIONS)
def test_only_settings_the_code_reads_are_set(folder: str) -> None:
    """A misspelt setting would be ignored silently (Settings ignores unknown names)."""
    resources = render(folder)
    names = ["stampede-config", *(f"{role}-config" for role in ROLES)]
    present = [c for c in of_kind(resources, "ConfigMap") if base_name(c) in names]
    unknown = {key for c in present for key in c.get("data", {})} - KNOWN_SETTINGS
    assert unknown == set()
    assert all("BUS_NAMESPACE" not in c.get("data", {}) for c in present)


@pytest.mark.parametrize("folder", KUSTOMIZATIONS)
def test_no_secret_is_committed(folder: str) -> None:
    """Secrets are referenced only: no Secret object, no password in a ConfigMap's URLs."""
    resources = render(folder)
    assert of_kind(resources, "Secret") == []
    for config in of_kind(resources, "ConfigMap"):
        for key, value in config.get("data", {}).items():
            assert not PASSWORD_IN_URL.search(value), f"{key} carries a password"
    for kustomization in K8S.rglob("kustomization.yaml"):
        assert "secretGenerator" not in kustomization.read_text()


@pytest.mark.parametrize("folder", OVERLAYS)
def test_overlays_pin_the_image(folder: str) -> None:
    """dev runs the locally built stampede:dev; prod a registry image at a fixed tag."""
    images = {
        box["image"]
        for d in of_kind(render(folder), "Deployment")
        if d["metadata"]["labels"].get("app.kubernetes.io/part-of") == "stampede"
        for box in [*pod_spec(d)["containers"], *pod_spec(d).get("initContainers", [])]
    }
    (image,) = images
    name, _, tag = image.rpartition(":")
    if folder == "overlays/dev":
        assert image == "stampede:dev"
    else:
        assert name.startswith("ghcr.io/") and tag not in {"", "latest", "dev"}


def test_pods_drain_before_they_stop() -> None:
    """preStop sleeps while endpoints drop the pod; the drain after SIGTERM (requests in
    flight, then the platform's stop) fits in what is left of the grace period; rolling
    updates move one pod at a time."""
    drain = Settings.model_fields.get("shutdown_grace_s")
    drain_s = float(drain.default) if drain is not None else 0.0
    for deployment in of_kind(render("base"), "Deployment"):
        command = container(deployment)["lifecycle"]["preStop"]["exec"]["command"]
        assert command[0] == "sleep"
        budget_s = pod_spec(deployment)["terminationGracePeriodSeconds"]
        assert int(command[1]) + drain_s + STOP_MARGIN_S <= budget_s
        rolling = deployment["spec"]["strategy"]["rollingUpdate"]
        assert rolling == {"maxSurge": 1, "maxUnavailable": 1}
