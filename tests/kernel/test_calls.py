"""ServiceCalls against a tiny upstream app, in process (ASGI transport) and over the network.

The upstream counts hits per path so the tests can tell retries and fast failures apart:
``/ok``; ``/flaky`` (503 twice, then 200); ``/slow`` (answers after the call timeout);
``/down`` (always 503, to open the breaker quickly); ``/starting`` (503 as a problem document
with ``Retry-After``, the service's own answer); ``/headers`` (echoes request headers).
Calls use a 0.3 s timeout. Decision under test: a 503 or a timeout on a POST is not retried and
raises Unavailable (one hit), since a retry could apply the POST twice.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from stampede.kernel import tracing
from stampede.kernel.calls import ATTEMPTS, BREAKER_THRESHOLD, ServiceCalls, request_id
from stampede.kernel.errors import Unavailable
from stampede.kernel.settings import Settings
from tests.kernel.serving import serving

UP = "upstream"
OTHER = "other"
TIMEOUT_S = 0.3
SLOW_S = 0.6


class Upstream:
    """A Starlette app that counts hits per path."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.app = Starlette(
            routes=[
                Route("/ok", self.ok),
                Route("/flaky", self.flaky, methods=["GET", "POST"]),
                Route("/slow", self.slow, methods=["GET", "POST"]),
                Route("/down", self.down, methods=["GET", "POST"]),
                Route("/starting", self.starting, methods=["GET", "POST"]),
                Route("/headers", self.headers),
            ]
        )

    def _hit(self, request: Request) -> int:
        self.hits[request.url.path] += 1
        return self.hits[request.url.path]

    async def ok(self, request: Request) -> Response:
        self._hit(request)
        return JSONResponse({"ok": True})

    async def flaky(self, request: Request) -> Response:
        if self._hit(request) <= 2:
            return JSONResponse({"error": "busy"}, status_code=503)
        return JSONResponse({"ok": True})

    async def slow(self, request: Request) -> Response:
        self._hit(request)
        await asyncio.sleep(SLOW_S)
        return JSONResponse({"ok": True})

    async def down(self, request: Request) -> Response:
        self._hit(request)
        return JSONResponse({"error": "down"}, status_code=503)

    async def starting(self, request: Request) -> Response:
        self._hit(request)
        problem = {"type": "about:blank", "title": "Starting", "status": 503}
        headers = {"Retry-After": "1"}
        return JSONResponse(problem, 503, headers, media_type="application/problem+json")

    async def headers(self, request: Request) -> Response:
        self._hit(request)
        return JSONResponse(dict(request.headers))


@pytest.fixture
def upstream() -> Upstream:
    return Upstream()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.for_tests(tmp_path, call_timeout_s=TIMEOUT_S)


@pytest.fixture(params=["local", "network"])
async def upstream_url(request: pytest.FixtureRequest, upstream: Upstream) -> AsyncIterator[str]:
    """Empty for the in-process variant, else the URL of a real server hosting the upstream."""
    if request.param == "local":
        yield ""
        return
    async with serving(upstream.app) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
async def calls(
    upstream_url: str,
    upstream: Upstream,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[ServiceCalls]:
    service_calls = ServiceCalls(settings)
    if upstream_url:
        monkeypatch.setenv("UPSTREAM_URL", upstream_url)
        monkeypatch.setenv("OTHER_URL", upstream_url)
    else:
        service_calls.mount_local(UP, upstream.app)
        service_calls.mount_local(OTHER, upstream.app)
    yield service_calls
    await service_calls.close()


async def test_ok(calls: ServiceCalls, upstream: Upstream) -> None:
    response = await calls.request(UP, "GET", "/ok")
    assert response.status_code == 200
    assert await calls.get_json(UP, "/ok") == {"ok": True}
    assert upstream.hits["/ok"] == 2


async def test_client_errors_are_returned_not_failures(calls: ServiceCalls) -> None:
    for _ in range(BREAKER_THRESHOLD + 1):
        assert (await calls.request(UP, "GET", "/missing")).status_code == 404
    assert (await calls.request(UP, "GET", "/ok")).status_code == 200  # breaker still closed
    with pytest.raises(httpx.HTTPStatusError):
        await calls.get_json(UP, "/missing")


async def test_flaky_get_succeeds_after_retries(calls: ServiceCalls, upstream: Upstream) -> None:
    response = await calls.request(UP, "GET", "/flaky")
    assert response.status_code == 200
    assert upstream.hits["/flaky"] == ATTEMPTS == 3


async def test_flaky_post_is_not_retried(calls: ServiceCalls, upstream: Upstream) -> None:
    with pytest.raises(Unavailable) as caught:
        await calls.request(UP, "POST", "/flaky", json={"n": 1})
    assert upstream.hits["/flaky"] == 1
    assert caught.value.slug == "dependency-unavailable"
    assert caught.value.status == 503
    assert caught.value.detail == f"{UP} is unavailable"


async def test_slow_get_times_out_after_retries(calls: ServiceCalls, upstream: Upstream) -> None:
    started = time.monotonic()
    with pytest.raises(Unavailable):
        await calls.request(UP, "GET", "/slow")
    assert upstream.hits["/slow"] == ATTEMPTS
    assert time.monotonic() - started < ATTEMPTS * SLOW_S


async def test_slow_post_is_not_retried(calls: ServiceCalls, upstream: Upstream) -> None:
    with pytest.raises(Unavailable):
        await calls.request(UP, "POST", "/slow")
    assert upstream.hits["/slow"] == 1


async def test_breaker_opens_and_fails_fast(calls: ServiceCalls, upstream: Upstream) -> None:
    for _ in range(BREAKER_THRESHOLD):
        with pytest.raises(Unavailable):
            await calls.request(UP, "GET", "/down")
    assert upstream.hits["/down"] == BREAKER_THRESHOLD * ATTEMPTS

    started = time.monotonic()
    with pytest.raises(Unavailable):
        await calls.request(UP, "GET", "/down")
    with pytest.raises(Unavailable):
        await calls.request(UP, "GET", "/ok")
    assert time.monotonic() - started < 0.05
    assert upstream.hits["/down"] == BREAKER_THRESHOLD * ATTEMPTS
    assert upstream.hits["/ok"] == 0

    assert (await calls.request(OTHER, "GET", "/ok")).status_code == 200  # per context
    assert upstream.hits["/ok"] == 1


async def test_a_relayed_problem_503_is_the_answer_not_a_failure(
    calls: ServiceCalls, upstream: Upstream
) -> None:
    for _ in range(BREAKER_THRESHOLD + 1):
        answer = await calls.request(UP, "GET", "/starting", relay=True)
        assert answer.status_code == 503 and answer.headers["retry-after"] == "1"
    assert upstream.hits["/starting"] == BREAKER_THRESHOLD + 1  # not retried
    assert (await calls.request(UP, "GET", "/ok")).status_code == 200  # breaker still closed
    with pytest.raises(Unavailable):  # a plain 503 relayed is still a failure
        await calls.request(UP, "POST", "/down", relay=True)
    with pytest.raises(Unavailable):  # and the problem counts when not relaying
        await calls.request(UP, "POST", "/starting")


async def test_headers_carry_request_id_and_traceparent(calls: ServiceCalls) -> None:
    token = request_id.set("req-1234")
    try:
        with tracing.tracer.start_as_current_span("caller") as span:
            echoed = await calls.get_json(UP, "/headers")
    finally:
        request_id.reset(token)
    trace_id = format(span.get_span_context().trace_id, "032x")
    assert echoed["x-request-id"] == "req-1234"
    assert echoed["traceparent"].split("-")[1] == trace_id


async def test_headers_omitted_without_request_or_span(calls: ServiceCalls) -> None:
    echoed = await calls.get_json(UP, "/headers")
    assert "x-request-id" not in echoed
    assert "traceparent" not in echoed


async def test_explicit_headers_win(calls: ServiceCalls) -> None:
    token = request_id.set("from-context")
    try:
        response = await calls.request(UP, "GET", "/headers", headers={"X-Request-Id": "given"})
    finally:
        request_id.reset(token)
    assert response.json()["x-request-id"] == "given"


async def test_unreachable_network_service_is_unavailable(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:  # a port that nothing listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("UPSTREAM_URL", f"http://127.0.0.1:{port}")
    service_calls = ServiceCalls(settings)
    try:
        with pytest.raises(Unavailable):
            await service_calls.request(UP, "POST", "/ok")
    finally:
        await service_calls.close()


def test_mount_local_after_first_use_is_refused(settings: Settings, upstream: Upstream) -> None:
    service_calls = ServiceCalls(settings)
    service_calls.client(UP)
    with pytest.raises(RuntimeError):
        service_calls.mount_local(UP, upstream.app)
