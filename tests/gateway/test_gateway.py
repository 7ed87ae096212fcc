"""The edge: routing, body cap, rate limits, request ids, forged identity headers, health."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from stampede.compose import Platform, build
from stampede.kernel.internal import HEADER, service_token
from stampede.kernel.settings import Settings

PROBLEM = "application/problem+json"


async def test_unknown_api_is_a_404_problem(api: httpx.AsyncClient) -> None:
    reply = await api.get("/api/nowhere/things")
    assert reply.status_code == 404
    assert reply.headers["content-type"] == PROBLEM
    assert reply.json()["type"].endswith("/no-such-api")


async def test_request_ids_are_kept_or_made(api: httpx.AsyncClient) -> None:
    kept = await api.get("/healthz", headers={"x-request-id": "abc-123"})
    assert kept.headers["x-request-id"] == "abc-123"
    made = await api.get("/healthz", headers={"x-request-id": "bad id with spaces"})
    assert made.headers["x-request-id"] not in ("", "bad id with spaces")


async def test_oversized_bodies_get_413(api: httpx.AsyncClient) -> None:
    reply = await api.post(
        "/api/identity/signup",
        content=b"x" * 2_000_000,
        headers={"content-type": "application/json"},
    )
    assert reply.status_code == 413
    assert reply.headers["content-type"] == PROBLEM


async def test_a_malformed_authorization_header_is_401(api: httpx.AsyncClient) -> None:
    reply = await api.get("/api/identity/me", headers={"authorization": "Basic abc"})
    assert reply.status_code == 401 and reply.headers["content-type"] == PROBLEM


async def test_health_readiness_and_metrics(api: httpx.AsyncClient) -> None:
    assert (await api.get("/healthz")).json() == {"status": "ok"}
    ready = await api.get("/readyz")
    assert ready.status_code == 200 and set(ready.json()["checks"].values()) == {"ok"}
    assert "stampede_http_requests_total" in (await api.get("/metrics")).text


async def test_openapi_covers_the_public_api(api: httpx.AsyncClient) -> None:
    paths = (await api.get("/api/openapi.json")).json()["paths"]
    assert "/api/identity/signup" in paths and "/api/identity/me" in paths


async def test_rate_limit_per_ip_answers_429_with_retry_after(tmp_path: Path) -> None:
    app, platform = build(Settings.for_tests(tmp_path, rate_limit_per_ip=3))
    await platform.start()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        codes = [(await client.get("/api/identity/me")).status_code for _ in range(4)]
        last = await client.get("/api/identity/me")
    await platform.stop()
    assert codes[:3] == [401, 401, 401] and codes[3] == 429
    assert int(last.headers["retry-after"]) >= 1


@pytest.mark.parametrize("forged", ["x-stampede-user-id", "x-stampede-roles"])
async def test_client_sent_identity_headers_are_dropped(
    api: httpx.AsyncClient, forged: str
) -> None:
    reply = await api.get("/api/identity/me", headers={forged: "admin"})
    assert reply.status_code == 401


async def test_rate_limit_per_user_counts_across_addresses(tmp_path: Path) -> None:
    app, platform = build(Settings.for_tests(tmp_path, rate_limit_per_user=3))
    await platform.start()
    body = {"email": "rl@example.com", "password": "rate limit pw", "name": "R"}
    codes = []
    for n in range(5):
        transport = httpx.ASGITransport(app=app, client=(f"10.0.0.{n}", 1000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            if n == 0:
                await client.post("/api/identity/signup", json=body)
                login = await client.post(
                    "/api/identity/login", json={k: body[k] for k in ("email", "password")}
                )
                token = login.json()["access_token"]
            reply = await client.get(
                "/api/identity/me", headers={"authorization": f"Bearer {token}"}
            )
            codes.append(reply.status_code)
    await platform.stop()
    assert codes == [200, 200, 200, 429, 429]


async def test_a_process_answers_internal_commands_of_its_own_contexts_only(
    api: httpx.AsyncClient, platform: Platform, tmp_path: Path
) -> None:
    """Another process's context calls ``/internal/<context>/...`` on this process's port:
    the hosted context answers (its signature check first), nothing else is served or
    forwarded."""
    ask = {"order_id": str(uuid.uuid4()), "user_id": str(uuid.uuid4())}
    path = f"/internal/sales/holds/{uuid.uuid4()}/take"
    unsigned = await api.post(path, json=ask)
    assert unsigned.status_code == 401 and unsigned.json()["type"].endswith("/service-only")
    signed = {HEADER: service_token(platform.settings.secret_key, "ordering")}
    reply = await api.post(path, json=ask, headers=signed)
    assert reply.status_code == 404 and reply.json()["type"].endswith("/no-hold")
    elsewhere = await api.post("/internal/nowhere/x", json={}, headers=signed)
    assert elsewhere.status_code == 404 and elsewhere.headers["content-type"] == PROBLEM
    app, gateway_only = build(Settings.for_tests(tmp_path / "gw", contexts="gateway"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        forwarded = await client.post(path, json=ask, headers=signed)
    await gateway_only.stop()
    assert forwarded.status_code == 404 and forwarded.json()["type"].endswith("/no-such-api")
