"""Commands between contexts: ``/internal/<context>/...`` routes, signed calls to them.

The gateway forwards only ``/api/...``; a process answers ``/internal/<context>/...`` only for
a context it hosts, straight to that context's app (no edge checks, nothing forwarded), because
another process's context calls it there. So every internal route requires the header
``X-Stampede-Service: <caller>.<signature>``, an HMAC-SHA256 of the caller's name under the
shared ``SECRET_KEY`` (401 without it, 403 with a wrong one). :func:`command` sends such a call
through :class:`~stampede.kernel.calls.ServiceCalls` (timeout, retry of idempotent methods,
circuit breaker) and turns the answer into data or the callee's problem, so a 4xx of the callee
reaches the caller's caller unchanged.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated, Any

from fastapi import Depends, Request

from stampede.kernel.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    StampedeError,
    TooManyRequests,
    Unauthorized,
    Unavailable,
    Unprocessable,
)

HEADER = "x-stampede-service"
_BY_STATUS: dict[int, type[StampedeError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    422: Unprocessable,
    429: TooManyRequests,
}


def _signature(secret: str, caller: str) -> str:
    return hmac.new(secret.encode(), f"service:{caller}".encode(), hashlib.sha256).hexdigest()


def service_token(secret: str, caller: str) -> str:
    """The header value that lets ``caller`` call internal routes of any context."""
    return f"{caller}.{_signature(secret, caller)}"


async def service_caller(request: Request) -> str:
    """The calling context's name; 401 without the header, 403 when it is not signed right."""
    given = request.headers.get(HEADER, "")
    if not given:
        raise Unauthorized("internal route: callers must be Stampede contexts", slug="service-only")
    caller, _, signature = given.rpartition(".")
    secret = request.app.state.runtime.settings.secret_key
    if not caller or not hmac.compare_digest(signature, _signature(secret, caller)):
        raise Forbidden("the service signature does not match", slug="bad-service-signature")
    return caller


ServiceCaller = Annotated[str, Depends(service_caller)]


class Caller:
    """Sends commands from one context (``caller``) to others' internal routes."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime
        self.header = {HEADER: service_token(runtime.settings.secret_key, runtime.context)}

    async def command(
        self, context: str, method: str, path: str, body: Any = None
    ) -> dict[str, Any]:
        """The callee's JSON answer for a 2xx (``{}`` when empty); its 4xx problem re-raised
        with the same status, slug and detail; :class:`Unavailable` when it cannot answer."""
        reply = await self.runtime.calls.request(
            context, method, path, json=body, headers=dict(self.header)
        )
        if reply.status_code < 300:
            return dict(reply.json()) if reply.content else {}
        raise _problem(context, reply.status_code, _json(reply))


def _json(reply: Any) -> dict[str, Any]:
    try:
        found = reply.json()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _problem(context: str, status: int, problem: dict[str, Any]) -> StampedeError:
    kind = _BY_STATUS.get(status)
    detail = str(problem.get("detail", ""))
    if kind is None:
        return Unavailable(f"{context} failed ({status}): {detail}", slug="dependency-failed")
    slug = str(problem.get("type", "")).rsplit("/", 1)[-1] or None
    return kind(detail, slug=slug)
