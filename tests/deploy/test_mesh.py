"""The Istio component agrees with the code: a route per context under ``/api/<context>/``,
tokens checked like identity issues them, the routes that need a login in the code closed to
guests and no other; the canary (Argo Rollouts) judges on metrics the code exports; Argo CD
deploys the prod overlay."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from stampede.compose import MODULES
from stampede.gateway.app import JWKS_PATH
from stampede.kernel.auth import current_user
from stampede.kernel.observe import LATENCY, REQUESTS
from stampede.kernel.settings import SERVICE_PORTS, Settings
from stampede.kernel.tally import Tally, Timings
from tests.deploy.manifests import K8S, Resource, config_data, load_yaml, named, of_kind, render

PROD = "overlays/prod"
CANARIES = ("gateway", "sales")
SAFE_RETRIES = {"connect-failure", "refused-stream"}
SELECTOR = re.compile(r'(\w+)\s*(?:=~|!~|!=|=)\s*"')


def host(name: str) -> str:
    return f"{name}.stampede.svc.cluster.local"


def routes() -> list[dict[str, Any]]:
    http: list[dict[str, Any]] = named(render(PROD), "VirtualService", "stampede")["spec"]["http"]
    return http


def test_each_context_has_its_route_and_the_gateway_takes_the_rest() -> None:
    by_name = {r["name"]: r for r in routes()}
    for module in MODULES:
        route = by_name[module.name]
        assert route["match"] == [{"uri": {"prefix": f"/api/{module.name}/"}}]
        stable = route["route"][0]["destination"]
        assert stable == {"host": host(module.name), "port": {"number": SERVICE_PORTS[module.name]}}
    last = routes()[-1]
    assert last["name"] == "gateway" and last["match"] == [{"uri": {"prefix": "/"}}]
    assert last["route"][0]["destination"]["port"]["number"] == SERVICE_PORTS["gateway"]


def test_routes_lead_to_services_that_exist() -> None:
    resources = render(PROD)
    services = {(host(s["metadata"]["name"]), p["port"]) for s in of_kind(resources, "Service")
                for p in s["spec"]["ports"]}  # fmt: skip
    for route in routes():
        for target in route["route"]:
            destination = target["destination"]
            assert (destination["host"], destination["port"]["number"]) in services


def test_only_requests_that_never_reached_the_app_are_retried() -> None:
    """A retried POST must not place a second hold: retry on connection failures only."""
    for route in routes():
        assert set(route["retries"]["retryOn"].split(",")) <= SAFE_RETRIES
        assert "timeout" not in route  # the waiting room streams events for minutes


def test_every_service_has_connection_limits_and_outlier_detection() -> None:
    resources = render(PROD)
    rules = {
        r["spec"]["host"]: r["spec"]["trafficPolicy"] for r in of_kind(resources, "DestinationRule")
    }
    for service in of_kind(resources, "Service"):
        name = host(service["metadata"]["name"])
        policy = rules.get(name) or rules["*.stampede.svc.cluster.local"]
        assert policy["connectionPool"]["tcp"]["maxConnections"] > 0
        assert policy["outlierDetection"]["consecutive5xxErrors"] > 0


def test_tokens_are_checked_as_identity_issues_them() -> None:
    resources = render(PROD)
    (rule,) = named(resources, "RequestAuthentication", "stampede-jwt")["spec"]["jwtRules"]
    config = config_data(resources, "stampede-config")
    issuer = config.get("JWT_ISSUER", Settings.model_fields["jwt_issuer"].default)
    audience = config.get("JWT_AUDIENCE", Settings.model_fields["jwt_audience"].default)
    assert (rule["issuer"], rule["audiences"]) == (issuer, [audience])
    assert rule["jwksUri"] == f"http://{host('identity')}:{SERVICE_PORTS['identity']}{JWKS_PATH}"
    assert rule["forwardOriginalToken"] is True  # the contexts read the user from it


def api_routes() -> Iterator[tuple[str, str, bool]]:
    """(method, path, login required) for every public API route of every context."""
    for module in MODULES:
        for route in _walk(module.router.routes):
            if route.path.startswith("/api/"):
                member = _needs_login(route.dependant)
                yield from ((method, route.path, member) for method in sorted(route.methods or ()))


def _walk(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)  # a router included in a router
        if included is not None:
            yield from _walk(included.routes)


def _needs_login(dependant: Dependant) -> bool:
    return dependant.call is current_user or any(_needs_login(d) for d in dependant.dependencies)


def guest_denied(policy: Resource, method: str, path: str) -> bool:
    """Whether a DENY policy for requests without a principal matches ``method path``."""
    for rule in policy["spec"]["rules"]:
        for target in rule["to"]:
            operation = target["operation"]
            if method in operation.get("methods", [method]) and any(
                _path_matches(pattern, path) for pattern in operation["paths"]
            ):
                return True
    return False


def _path_matches(pattern: str, path: str) -> bool:
    """Istio's path match: exact, prefix (``x*``), suffix (``*x``) or any (``*``)."""
    if pattern.endswith("*"):
        return path.startswith(pattern[:-1])
    if pattern.startswith("*"):
        return path.endswith(pattern[1:])
    return path == pattern


def test_routes_needing_a_login_are_closed_to_guests_and_no_others() -> None:
    """The mesh refuses a guest exactly where the code would answer 401."""
    policy = named(render(PROD), "AuthorizationPolicy", "members-only")
    assert policy["spec"]["action"] == "DENY"
    (rule,) = policy["spec"]["rules"]
    assert rule["from"] == [{"source": {"notRequestPrincipals": ["*"]}}]
    found = list(api_routes())
    assert len(found) > 80, "the routes of the contexts were not found"
    wrong = [
        f"{method} {path}: login {'required' if member else 'not required'} in the code"
        for method, path, member in found
        if guest_denied(policy, method, path.replace("{", "x").replace("}", "")) != member
    ]
    assert wrong == []


def test_egress_is_allow_listed() -> None:
    resources = render(PROD)
    sidecar = named(resources, "Sidecar", "default")["spec"]
    assert sidecar["outboundTrafficPolicy"] == {"mode": "REGISTRY_ONLY"}
    provider = urlsplit(config_data(resources, "stampede-config")["PAYMENT_PROVIDER_URL"])
    entry = named(resources, "ServiceEntry", "payment-provider")["spec"]
    assert entry["hosts"] == [provider.hostname]
    assert [p["number"] for p in entry["ports"]] == [443]
    smtp = named(resources, "ServiceEntry", "smtp")["spec"]
    assert {p["number"] for p in smtp["ports"]} == {587, 465}


def test_sidecars_are_injected_and_the_backing_services_bypass_them() -> None:
    resources = render(PROD)
    assert named(resources, "Namespace", "stampede")["metadata"]["labels"]["istio-injection"] == (
        "enabled"
    )
    for deployment in of_kind(resources, "Deployment"):
        notes = deployment["spec"]["template"]["metadata"]["annotations"]
        excluded = set(notes["traffic.sidecar.istio.io/excludeOutboundPorts"].split(","))
        assert {"5432", "5672", "6379"} <= excluded
        assert "holdApplicationUntilProxyStarts" in notes["proxy.istio.io/config"]


@pytest.mark.parametrize("name", CANARIES)
def test_canaries_take_10_then_50_percent_with_analysis(name: str) -> None:
    resources = render(PROD)
    rollout = named(resources, "Rollout", name)["spec"]
    assert rollout["workloadRef"]["name"] == name
    canary = rollout["strategy"]["canary"]
    steps = [next(iter(step)) for step in canary["steps"]]
    assert steps == ["setWeight", "pause", "analysis", "setWeight", "pause", "analysis"]
    assert [s["setWeight"] for s in canary["steps"] if "setWeight" in s] == [10, 50]
    for step in (s["analysis"] for s in canary["steps"] if "analysis" in s):
        assert step["templates"] == [{"templateName": "stampede-canary"}]
        args = {a["name"]: a for a in step["args"]}
        assert args["service"]["value"] == name  # the `service` label of the metrics
        assert args["canary-hash"]["valueFrom"] == {"podTemplateHashValue": "Latest"}
    assert canary["trafficRouting"]["istio"]["virtualService"] == {
        "name": "stampede",
        "routes": [name],
    }


@pytest.mark.parametrize("name", CANARIES)
def test_canary_traffic_splits_between_stable_and_canary_services(name: str) -> None:
    resources = render(PROD)
    stable, canary = (
        named(resources, "Service", name),
        named(resources, "Service", f"{name}-canary"),
    )
    assert canary["spec"]["selector"] == stable["spec"]["selector"]
    assert canary["spec"]["ports"] == stable["spec"]["ports"]
    (route,) = [r for r in routes() if r["name"] == name]
    hosts = [(t["destination"]["host"], t["weight"]) for t in route["route"]]
    assert hosts == [(host(name), 100), (host(f"{name}-canary"), 0)]


def metric_name(metric: Tally | Timings) -> str:
    """The name a metric is exported under, before its ``_total``/``_bucket`` suffix."""
    return str(next(iter(metric.describe())).name)


def labels_in(query: str) -> set[str]:
    """The metric labels a PromQL query selects on (the pod label of the canary aside)."""
    return set(SELECTOR.findall(query)) - {"rollouts_pod_template_hash"}


def test_the_analysis_reads_the_metrics_the_code_exports() -> None:
    """Success rate from the request counter, p99 from the latency histogram, by the labels
    the code sets; a failed measurement beyond failureLimit aborts (rolls back)."""
    template = named(render(PROD), "AnalysisTemplate", "stampede-canary")["spec"]
    metrics = {m["name"]: m for m in template["metrics"]}
    rate = metrics["success-rate"]["provider"]["prometheus"]["query"]
    p99 = metrics["p99-latency"]["provider"]["prometheus"]["query"]
    assert f"{metric_name(REQUESTS)}_total" in rate and 'status!~"5.."' in rate
    assert "histogram_quantile(0.99" in p99
    assert f"{metric_name(LATENCY)}_bucket" in p99
    assert labels_in(rate) == {"service", "area", "status"} <= set(REQUESTS.labelnames)
    assert labels_in(p99) == {"service", "area"} <= set(LATENCY.labelnames)
    for metric in metrics.values():
        assert isinstance(metric["failureLimit"], int) and metric["count"] > metric["failureLimit"]


def test_argocd_deploys_the_prod_overlay_by_itself() -> None:
    (application,) = load_yaml(K8S / "argocd" / "application.yaml")
    spec = application["spec"]
    assert (K8S.parents[1] / spec["source"]["path"]).resolve() == (K8S / "overlays/prod").resolve()
    assert spec["source"]["targetRevision"] == "main"
    assert spec["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    assert spec["destination"]["namespace"] == "stampede"
