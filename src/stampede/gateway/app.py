"""The edge app of a process: routes ``/api/<context>/...`` and serves health and OpenAPI.

Hosted contexts are called in-process (their ASGI app, no copy); the others over HTTP. When the
gateway role is hosted, every routed request first passes :mod:`stampede.gateway.edge`.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import httpx
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from stampede.fakepg.app import PAGES as FAKEPG_PAGES
from stampede.gateway import edge
from stampede.gateway.limits import RateLimiter
from stampede.gateway.proxy import forward
from stampede.kernel.auth import Principal
from stampede.kernel.errors import NotFound, StampedeError, Unavailable
from stampede.kernel.express import Admit, Express
from stampede.kernel.heap import settle_heap
from stampede.kernel.observe import Observe
from stampede.kernel.service import runtime_checks
from stampede.kernel.web import (
    NO_FRAMEWORK_TELEMETRY,
    Check,
    install_health,
    install_problem_handlers,
    problem_response,
)

if TYPE_CHECKING:
    from stampede.compose import Platform

JWKS_PATH = "/.well-known/jwks.json"
FAKEPG_PAY = f"{FAKEPG_PAGES}/pay/"
INTERNAL = "/internal/"


class Router:
    """Raw ASGI routing in front of the edge app's own routes."""

    def __init__(self, app: ASGIApp, platform: Platform, limiter: RateLimiter) -> None:
        self.app, self.platform, self.limiter = app, platform, limiter
        self.gateway = platform.settings.hosts_gateway

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fakepg = self.platform.fakepg
        if fakepg is not None and scope["path"].startswith(FAKEPG_PAY):
            await fakepg(scope, receive, send)  # the buyer's page at the in-process provider
            return
        try:
            hosted = self._internal(scope["path"])
            if hosted is not None:  # a signed command of another context: no edge checks
                await hosted(scope, receive, send)
                return
            target = self._target(scope["path"])
            if target is None:
                await self.app(scope, receive, send)
                return
            if self.gateway:
                scope, receive = await self._check(scope, receive)
            await self._dispatch(target, scope, receive, send)
        except StampedeError as error:
            await problem_response(error, scope["path"])(scope, receive, send)

    def _internal(self, path: str) -> ASGIApp | None:
        """The hosted context an ``/internal/<context>/...`` command is for (its routes check
        the caller's signature); never forwarded to another process."""
        if not path.startswith(INTERNAL):
            return None
        name = path.split("/", 3)[2]
        app = self.platform.apps.get(name)
        if app is None:
            raise NotFound(f"{name} is not served here", slug="no-such-api")
        return app

    def _target(self, path: str) -> str | None:
        if path == JWKS_PATH:
            return "identity"
        parts = path.split("/", 3)
        if len(parts) < 3 or parts[1] != "api" or path == "/api/openapi.json":
            return None
        if parts[2] not in self.platform.known:
            raise NotFound(f"no API at /api/{parts[2]}", slug="no-such-api")
        return parts[2]

    async def _check(self, scope: Scope, receive: Receive) -> tuple[Scope, Receive]:
        settings = self.platform.settings
        edge.check_declared_size(scope, settings.max_body_bytes)
        user = await edge.authenticate(scope, self.platform.verifier)
        self.limiter.check(edge.client_ip(scope), user)
        scope = {**scope, "headers": edge.forwarded_headers(scope, user)}
        return scope, edge.capped(receive, settings.max_body_bytes)

    async def _dispatch(self, target: str, scope: Scope, receive: Receive, send: Send) -> None:
        local = self.platform.apps.get(target)
        if local is not None:
            await local(scope, receive, send)
        else:
            await forward(self.platform.calls, target, scope, receive, send)


def edge_app(platform: Platform) -> ASGIApp:
    limiter = RateLimiter(platform.store, platform.settings)
    app = FastAPI(
        title="Stampede",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan(platform, limiter),
        telemetry=NO_FRAMEWORK_TELEMETRY,
    )
    install_problem_handlers(app)
    install_health(app, lambda: _checks(platform))
    _install_openapi(app, platform)
    if platform.web is not None:
        app.mount("/", platform.web.app)  # the pages: whatever no route above answers
    service = "+".join(platform.roles())
    router = Router(app, platform, limiter)
    observed = Observe(router, service, platform.settings.access_log_sample)
    limit = platform.settings.max_body_bytes
    admit = _admission(platform, limiter)
    return Express(observed, platform.lanes(), platform.verifier, admit, limit, observed.watch)


def _admission(platform: Platform, limiter: RateLimiter) -> Admit | None:
    """What the gateway checks of an express-lane request: the rate limits (no body cap
    needed: a lane takes only small bodies, larger ones go through the router)."""
    if not platform.settings.hosts_gateway:
        return None

    def admit(scope: Scope, user: Principal) -> None:
        limiter.check(edge.client_ip(scope), user)

    return admit


def _checks(platform: Platform) -> dict[str, Check]:
    checks: dict[str, Check] = {"store": platform.store.ping}
    for runtime in platform.runtimes.values():
        checks.update(runtime_checks(runtime))
    return checks  # contexts in other processes have their own /readyz; calls to them break


def _install_openapi(app: FastAPI, platform: Platform) -> None:
    @app.get("/api/openapi.json", include_in_schema=False)
    async def openapi() -> JSONResponse:
        merged: dict[str, Any] = {
            "openapi": "3.1.0",
            "paths": {},
            "components": {"schemas": {}},
            "info": {"title": "Stampede API", "version": "1"},
        }
        for name in platform.known:
            spec = await _spec_of(platform, name)
            merged["paths"].update(spec.get("paths", {}))
            merged["components"]["schemas"].update(spec.get("components", {}).get("schemas", {}))
        return JSONResponse(merged)


async def _spec_of(platform: Platform, name: str) -> dict[str, Any]:
    """A context's OpenAPI document; a context that cannot be reached contributes nothing."""
    local = platform.apps.get(name)
    if local is not None:
        return local.openapi()
    try:
        return dict(await platform.calls.get_json(name, "/openapi.json"))
    except (Unavailable, httpx.HTTPError):
        return {}


def _lifespan(platform: Platform, limiter: RateLimiter) -> Any:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        lines = await platform.start(seed_demo=platform.settings.load_demo)
        _announce(platform, lines)
        settle_heap()
        yield
        await limiter.flush()
        await platform.stop()

    return lifespan


def _announce(platform: Platform, demo: list[str]) -> None:
    settings = platform.settings
    url = settings.public_base
    roles = ", ".join(platform.roles())
    sys.stdout.write(f"Stampede is up at {url} ({roles})\n")
    if demo:
        sys.stdout.write("Demo logins:\n" + "".join(f"  {line}\n" for line in demo))
    sys.stdout.flush()
