"""Request metrics carry the route's template, so a dashboard shows rate, errors and latency per
route without one series per id."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from prometheus_client import REGISTRY

from stampede.kernel.observe import OTHER, Observe

SERVICE = "route-metrics-test"


def _app() -> Observe:
    app = FastAPI()

    @app.get("/api/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    return Observe(app, SERVICE, log_sample=0.0)


def _count(route: str, status: str) -> float:
    labels = {"service": SERVICE, "area": "things", "route": route, "method": "GET"}
    found = REGISTRY.get_sample_value("stampede_http_requests_total", labels | {"status": status})
    return found or 0.0


async def test_requests_are_counted_per_route_template_not_per_id() -> None:
    before = _count("/api/things/{thing_id}", "200")
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for thing in ("a", "b", "c"):
            assert (await client.get(f"/api/things/{thing}")).status_code == 200
        assert (await client.get("/api/things")).status_code == 404
    assert _count("/api/things/{thing_id}", "200") - before == 3
    assert _count(OTHER, "404") >= 1
    assert _count("/api/things/a", "200") == 0
