"""The workload policy (tests/deploy/policy.py) holds for everything we deploy, and it fails
on a Deployment that breaks it — one reported line per broken rule."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from stampede.compose import MODULES
from tests.deploy.manifests import KUSTOMIZATIONS, Resource, named, render
from tests.deploy.policy import Scaling, violations

CROWD = Scaling(low=3, high=50, cpu=50)  # gateway and sales take the flash-sale crowd
OTHERS = Scaling(low=2, high=10, cpu=60)
BARS = {"gateway": CROWD, "sales": CROWD} | {m.name: OTHERS for m in MODULES if m.name != "sales"}
EXPECTED_BARS: dict[str, dict[str, Scaling]] = {
    "base": BARS,
    "infra": {},
    "overlays/dev": {},  # one replica each: only the autoscalers' presence is required
    "overlays/prod": BARS,
}


@pytest.mark.parametrize("folder", KUSTOMIZATIONS)
def test_every_workload_follows_the_policy(folder: str) -> None:
    problems = violations(render(folder), EXPECTED_BARS[folder])
    assert problems == [], "\n".join(problems)


def broken_deployment() -> Resource:
    """A context Deployment without probes, limits, hardening, Service, autoscaler or budget."""
    labels = {"app.kubernetes.io/name": "broken", "app.kubernetes.io/component": "context"}
    app: dict[str, Any] = {"name": "app", "image": "stampede", "ports": [{"containerPort": 80}]}
    init: dict[str, Any] = {"name": "migrate", "image": "stampede", "args": ["migrate"]}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "broken", "labels": labels},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "securityContext": {"runAsUser": 0},
                    "initContainers": [init],
                    "containers": [app],
                },
            },
        },
    }


def test_a_broken_deployment_is_reported_for_each_rule() -> None:
    problems = violations([broken_deployment()], {})
    where = "Deployment/broken: "
    expected = [
        "pod does not set runAsNonRoot",
        "pod runs as root (runAsUser missing or 0)",
        "pod has no RuntimeDefault seccomp profile",
        "container app has no livenessProbe",
        "container app has no readinessProbe",
        "container app has no requests cpu",
        "container app has no requests memory",
        "container app has no limits cpu",
        "container app has no limits memory",
        "container app allows privilege escalation",
        "container app has a writable root filesystem",
        "container app keeps its capabilities",
        "container migrate has no requests cpu",
        "container migrate has no requests memory",
        "container migrate has no limits cpu",
        "container migrate has no limits memory",
        "container migrate allows privilege escalation",
        "container migrate has a writable root filesystem",
        "container migrate keeps its capabilities",
        "no Service selects its pods on a declared port",
        "no HorizontalPodAutoscaler scales it",
        "no PodDisruptionBudget covers its pods",
    ]
    assert sorted(problems) == sorted(where + problem for problem in expected)


def test_a_container_running_as_root_is_reported() -> None:
    deployment = copy.deepcopy(named(render("base"), "Deployment", "identity"))
    deployment["spec"]["template"]["spec"]["containers"][0]["securityContext"]["runAsUser"] = 0
    problems = violations([deployment, *render("base")], {})
    assert "Deployment/identity: container app runs as root" in problems


def test_an_autoscaler_below_the_bar_is_reported() -> None:
    resources = [copy.deepcopy(r) for r in render("base")]
    named(resources, "HorizontalPodAutoscaler", "sales")["spec"]["minReplicas"] = 2
    problems = violations(resources, BARS)
    assert problems == [
        "Deployment/sales: autoscaler allows Scaling(low=2, high=50, cpu=50), "
        "needs Scaling(low=3, high=50, cpu=50)"
    ]


def test_a_service_on_a_port_the_pods_do_not_declare_is_reported() -> None:
    resources = [copy.deepcopy(r) for r in render("base")]
    named(resources, "Service", "payment")["spec"]["ports"][0]["targetPort"] = "metrics"
    problems = violations(resources, {})
    assert problems == ["Deployment/payment: no Service selects its pods on a declared port"]


def test_the_rollout_takes_over_the_autoscaler_in_prod() -> None:
    """In prod the autoscalers of gateway and sales scale their Rollouts; that still counts."""
    resources = render("overlays/prod")
    target = named(resources, "HorizontalPodAutoscaler", "sales")["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Rollout", "sales")
    without = [r for r in resources if r["kind"] != "Rollout"]
    assert "Deployment/sales: no HorizontalPodAutoscaler scales it" in violations(without, {})
