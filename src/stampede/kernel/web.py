"""HTTP plumbing shared by every context: problem+json errors, health, readiness, metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.telemetry import TelemetryConfig
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from stampede.kernel import shutdown
from stampede.kernel.errors import StampedeError, Unavailable, Unprocessable
from stampede.kernel.redis_store import STORE_DOWN, store_down

# FastAPI's own OpenTelemetry server spans and metrics would repeat, per request and at a cost,
# what kernel.observe already records (and exports when an exporter is configured).
NO_FRAMEWORK_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}

PROBLEM = "application/problem+json"
Check = Callable[[], Awaitable[None]]
log = structlog.get_logger()


def problem_response(error: StampedeError, instance: str = "") -> JSONResponse:
    headers = {}
    after = getattr(error, "retry_after", None)
    if after is not None:
        headers["Retry-After"] = str(after)
    return JSONResponse(
        error.problem(instance), status_code=error.status, media_type=PROBLEM, headers=headers
    )


async def _stampede_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StampedeError)
    return problem_response(exc, request.url.path)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    if any(e["type"] == "json_invalid" for e in errors):
        error = StampedeError("request body is not valid JSON", slug="malformed-json")
        error.status, error.title = 400, "Malformed JSON"
        return problem_response(error, request.url.path)
    return problem_response(
        Unprocessable("the request does not match the schema", errors=errors), request.url.path
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error = StampedeError(str(exc.detail), slug=f"http-{exc.status_code}")
    error.status, error.title = exc.status_code, str(exc.detail)
    return problem_response(error, request.url.path)


async def _database_busy(request: Request, exc: Exception) -> Response:
    """Every connection of a context's database stayed busy for the pool's whole wait (a
    crowd at once): 503 with Retry-After. The transaction that waited did not happen; what was
    already in flight (an approval at the payment provider) is settled by its reconciler."""
    log.warning("database busy", path=request.url.path, error=str(exc).splitlines()[0])
    busy = Unavailable("too many requests at once for this service; try again", slug="busy")
    return problem_response(busy, request.url.path)


async def _store_down(request: Request, exc: Exception) -> Response:
    log.warning("store unreachable", path=request.url.path, error=str(exc)[:200])
    return problem_response(store_down(), request.url.path)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", path=request.url.path)
    return problem_response(StampedeError("unexpected error"), request.url.path)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StampedeError, _stampede_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(PoolTimeout, _database_busy)
    for down in STORE_DOWN:
        app.add_exception_handler(down, _store_down)
    app.add_exception_handler(Exception, _unexpected)


async def run_checks(checks: dict[str, Check], timeout_s: float = 2.0) -> dict[str, str]:
    """Run readiness checks concurrently; each answers "ok" or its error in one line."""

    async def one(check: Check) -> str:
        try:
            async with asyncio.timeout(timeout_s):
                await check()
            return "ok"
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"[:200]

    results = await asyncio.gather(*(one(c) for c in checks.values()))
    return dict(zip(checks, results, strict=True))


def install_health(app: FastAPI, checks: Callable[[], dict[str, Check]]) -> None:
    """``/healthz`` (alive), ``/readyz`` (dependencies reachable; 503 ``draining`` once the
    process shuts down, see :mod:`stampede.kernel.shutdown`) and ``/metrics``."""

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        if shutdown.draining():  # stop sending here: this process is finishing its work
            return JSONResponse({"status": "draining", "checks": {}}, status_code=503)
        results = await run_checks(checks())
        ready = all(v == "ok" for v in results.values())
        body: dict[str, Any] = {"status": "ready" if ready else "not ready", "checks": results}
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
