"""The web app: pages, static files, security headers and error pages.

It is mounted under the edge app of the process that hosts it (``STAMPEDE_CONTEXTS`` with
``web``; every context in the embedded mode) and reaches the platform only through the public
API (:mod:`stampede.web.store`).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stampede.kernel.settings import Settings
from stampede.kernel.web import NO_FRAMEWORK_TELEMETRY
from stampede.web.api import account, admin, business, checkout, community, home, mypage, shop
from stampede.web.api.pages import (
    HTMX,
    CsrfRefused,
    local,
    page,
    pending_cookies,
    redirect,
    visit_of,
)
from stampede.web.contracts import LOGIN, STATIC
from stampede.web.handlers.session import Forbidden, NeedLogin, Visit
from stampede.web.store import ApiProblem, Gateway
from stampede.web.views import STATIC_DIR

log = structlog.get_logger()
ROUTERS = (
    account.router,
    home.router,
    shop.router,
    checkout.router,
    mypage.router,
    community.router,
    business.router,
    admin.router,
)


@dataclass(frozen=True)
class Web:
    """The pages' ASGI app and how to close its connections to the API."""

    app: ASGIApp
    close: Callable[[], Awaitable[None]]


def create_app(settings: Settings, entry: Callable[[], ASGIApp] | None = None) -> Web:
    """The pages; ``entry`` is the process's own entry app when it hosts the gateway (called
    in-process), else the gateway is called at ``GATEWAY_URL``."""
    gateway = (
        Gateway.in_process(entry) if entry else Gateway.over_http(settings.service_url("gateway"))
    )
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None, telemetry=NO_FRAMEWORK_TELEMETRY)
    app.state.gateway = gateway
    app.state.secure_cookies = settings.public_base.startswith("https://")
    for router in ROUTERS:
        app.include_router(router)
    app.mount(STATIC, StaticFiles(directory=STATIC_DIR), name="static")
    install_error_pages(app)
    guarded = SecurityHeaders(app, _policy(settings), app.state.secure_cookies)
    return Web(guarded, gateway.close)


def _policy(settings: Settings) -> str:
    """The Content-Security-Policy: this site's own scripts and styles only (none inline)."""
    forms = "'self'"
    if settings.fakepg_public_url:
        parts = urlsplit(settings.fakepg_public_url)
        forms += f" {parts.scheme}://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
        f"frame-ancestors 'none'; form-action {forms}"
    )


class SecurityHeaders:
    """Adds the CSP and the usual hardening headers to every answer, and ``Server-Timing``
    (the page's time in this process, API calls included); static files may be cached for an
    hour."""

    def __init__(self, app: ASGIApp, policy: str, secure: bool = False) -> None:
        self.app, self.secure = app, secure
        self.headers = [
            (b"content-security-policy", policy.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"x-frame-options", b"DENY"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(STATIC + "/")
        started = time.perf_counter()
        answered = False

        async def send_with_headers(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start":
                answered = True
                spent_ms = (time.perf_counter() - started) * 1000
                extra = [
                    (b"cache-control", b"public, max-age=3600" if static else b"no-store"),
                    (b"server-timing", f"page;dur={spent_ms:.1f}".encode()),
                ]
                headers = [*message.get("headers", []), *self.headers, *extra]
                headers += self._cookies_left(scope)
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if not answered:
                raise
            # Starlette re-raises once its handler has answered with the error page (and it
            # was logged there): the page is the answer, so the connection is not cut.

    def _cookies_left(self, scope: Scope) -> list[tuple[bytes, bytes]]:
        """Cookies a visit changed that its answer did not carry (an image or a stream the
        route answered itself, after the session was renewed): a renewed pair must reach the
        browser, or its spent refresh token would end the session."""
        visit = scope.get("state", {}).get("visit")
        if not isinstance(visit, Visit) or not visit.cookies:
            return []
        return pending_cookies(visit, self.secure)


def install_error_pages(app: FastAPI) -> None:
    app.add_exception_handler(NeedLogin, _need_login)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(CsrfRefused, _csrf_refused)
    app.add_exception_handler(ApiProblem, _api_problem)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


async def _visit(request: Request) -> Visit:
    existing = getattr(request.state, "visit", None)
    return existing if isinstance(existing, Visit) else await visit_of(request)


async def _need_login(request: Request, exc: Exception) -> Response:
    """To the login page, and back here afterwards (a form's page when a form was sent)."""
    visit = await _visit(request)
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        back = local(urlsplit(request.headers.get("referer", "")).path or None, "/")
    target = f"{LOGIN}?next={quote(back)}"
    if request.headers.get(HTMX):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return redirect(request, visit, target)


async def _forbidden(request: Request, exc: Exception) -> Response:
    visit = await _visit(request)
    return _error_page(request, visit, 403, "error.forbidden", "")


async def _csrf_refused(request: Request, exc: Exception) -> Response:
    visit = await _visit(request)
    return _error_page(request, visit, 403, "error.title", visit.t("error.csrf"))


async def _api_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiProblem)
    visit = await _visit(request)
    if exc.status == 404:
        return _error_page(request, visit, 404, "error.not_found", exc.detail)
    if exc.status == 403:
        return _error_page(request, visit, 403, "error.forbidden", exc.detail)
    if exc.status >= 500:
        return _error_page(request, visit, 503, "error.title", visit.t("error.unavailable"))
    return _error_page(request, visit, exc.status, "error.title", exc.detail or exc.title)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    visit = await _visit(request)
    heading = "error.not_found" if exc.status_code == 404 else "error.title"
    return _error_page(request, visit, exc.status_code, heading, "")


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("page failed", path=request.url.path)
    visit = await _visit(request)
    return _error_page(request, visit, 500, "error.title", "")


def _error_page(
    request: Request, visit: Visit, status: int, heading: str, message: str
) -> Response:
    return page(request, visit, "error.html", status, heading=visit.t(heading), message=message)
