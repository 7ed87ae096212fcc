"""The rules every workload of the platform must follow, as a function the tests can point at
the rendered manifests (and at a broken Deployment, to show that each rule can fail).

For every Deployment and StatefulSet: liveness and readiness probes on each container; CPU and
memory requests and limits on each container and init container; a non-root user, no
privilege escalation, a read-only root filesystem, no capabilities, the runtime's seccomp
profile; a Service selecting its pods on a port they declare. For a Stampede context or the
gateway also: a HorizontalPodAutoscaler (scaling the Deployment, or the Argo Rollout that
took it over) with the bars in ``scaling``, and a PodDisruptionBudget.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tests.deploy.manifests import Resource

WORKLOADS = {"Deployment", "StatefulSet"}
ROLE_COMPONENTS = {"context", "gateway"}
RESOURCE_KEYS = ("cpu", "memory")


@dataclass(frozen=True)
class Scaling:
    """What a service's autoscaler must allow: replicas from ``low`` to ``high`` at ``cpu`` %."""

    low: int
    high: int
    cpu: int


def violations(resources: list[Resource], scaling: Mapping[str, Scaling]) -> list[str]:
    """Every broken rule, one line each, naming the workload."""
    found: list[str] = []
    for workload in (r for r in resources if r["kind"] in WORKLOADS):
        where = f"{workload['kind']}/{workload['metadata']['name']}"
        found += [f"{where}: {problem}" for problem in _problems(workload, resources, scaling)]
    return found


def _problems(
    workload: Resource, resources: list[Resource], scaling: Mapping[str, Scaling]
) -> list[str]:
    spec = workload["spec"]["template"]["spec"]
    problems = _pod_security(spec)
    for box in spec.get("containers", []):
        problems += _probes(box) + _limits(box) + _container_security(box)
    for box in spec.get("initContainers", []):
        problems += _limits(box) + _container_security(box)
    problems += _service(workload, resources)
    if _labels(workload).get("app.kubernetes.io/component") in ROLE_COMPONENTS:
        name = workload["metadata"]["name"]
        problems += _autoscaler(name, resources, scaling.get(name))
        problems += _budget(workload, resources)
    return problems


def _labels(workload: Resource) -> dict[str, str]:
    labels: dict[str, str] = workload["spec"]["template"]["metadata"].get("labels", {})
    return labels


def _probes(box: dict[str, Any]) -> list[str]:
    return [
        f"container {box['name']} has no {probe}"
        for probe in ("livenessProbe", "readinessProbe")
        if probe not in box
    ]


def _limits(box: dict[str, Any]) -> list[str]:
    wanted = box.get("resources", {})
    return [
        f"container {box['name']} has no {kind} {key}"
        for kind in ("requests", "limits")
        for key in RESOURCE_KEYS
        if key not in wanted.get(kind, {})
    ]


def _pod_security(spec: dict[str, Any]) -> list[str]:
    context = spec.get("securityContext", {})
    problems = []
    if context.get("runAsNonRoot") is not True:
        problems.append("pod does not set runAsNonRoot")
    if not context.get("runAsUser"):
        problems.append("pod runs as root (runAsUser missing or 0)")
    if context.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        problems.append("pod has no RuntimeDefault seccomp profile")
    return problems


def _container_security(box: dict[str, Any]) -> list[str]:
    context = box.get("securityContext", {})
    name, problems = box["name"], []
    if context.get("runAsUser") == 0:
        problems.append(f"container {name} runs as root")
    if context.get("allowPrivilegeEscalation") is not False:
        problems.append(f"container {name} allows privilege escalation")
    if context.get("readOnlyRootFilesystem") is not True:
        problems.append(f"container {name} has a writable root filesystem")
    if "ALL" not in context.get("capabilities", {}).get("drop", []):
        problems.append(f"container {name} keeps its capabilities")
    return problems


def _service(workload: Resource, resources: list[Resource]) -> list[str]:
    """A Service whose selector picks the pods, on a port one of their containers declares."""
    labels = _labels(workload)
    declared = _declared_ports(workload)
    for service in (r for r in resources if r["kind"] == "Service"):
        selector = service["spec"].get("selector", {})
        if not selector or not selector.items() <= labels.items():
            continue
        if all(p.get("targetPort", p["port"]) in declared for p in service["spec"]["ports"]):
            return []
    return ["no Service selects its pods on a declared port"]


def _declared_ports(workload: Resource) -> set[object]:
    ports: set[object] = set()
    for box in workload["spec"]["template"]["spec"].get("containers", []):
        for port in box.get("ports", []):
            ports |= {port["containerPort"], port.get("name")}
    return ports


def _autoscaler(name: str, resources: list[Resource], bar: Scaling | None) -> list[str]:
    targets = {("Deployment", name)} | _rollouts_of(name, resources)
    scalers = [
        r
        for r in resources
        if r["kind"] == "HorizontalPodAutoscaler"
        and (r["spec"]["scaleTargetRef"]["kind"], r["spec"]["scaleTargetRef"]["name"]) in targets
    ]
    if not scalers:
        return ["no HorizontalPodAutoscaler scales it"]
    return [] if bar is None else _scaling_problems(scalers[0], bar)


def _rollouts_of(name: str, resources: list[Resource]) -> set[tuple[str, str]]:
    return {
        ("Rollout", r["metadata"]["name"])
        for r in resources
        if r["kind"] == "Rollout" and r["spec"].get("workloadRef", {}).get("name") == name
    }


def _scaling_problems(scaler: Resource, bar: Scaling) -> list[str]:
    spec = scaler["spec"]
    cpu = [
        m["resource"]["target"].get("averageUtilization")
        for m in spec.get("metrics", [])
        if m["type"] == "Resource" and m["resource"]["name"] == "cpu"
    ]
    actual = Scaling(spec.get("minReplicas", 1), spec["maxReplicas"], cpu[0] if cpu else 0)
    return [] if actual == bar else [f"autoscaler allows {actual}, needs {bar}"]


def _budget(workload: Resource, resources: list[Resource]) -> list[str]:
    labels = _labels(workload)
    for budget in (r for r in resources if r["kind"] == "PodDisruptionBudget"):
        selector = budget["spec"]["selector"].get("matchLabels", {})
        if selector and selector.items() <= labels.items():
            return []
    return ["no PodDisruptionBudget covers its pods"]
