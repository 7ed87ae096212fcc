"""What every community route shares: JSON answers that never carry ``<``, ``>`` or ``&``
raw, its unit of work, and paging parameters.

Every JSON answer of this context — errors included — has those three characters inside its
strings written as ``\\u003c``, ``\\u003e`` and ``\\u0026`` (JSON syntax itself never uses
them, so the bytes can be rewritten as they are): a member's ``<script>`` can never reach a page
raw, even through a sloppy client that pastes a JSON answer into HTML.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Hashable, Sequence
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from pydantic_core import to_json
from starlette.exceptions import HTTPException

from stampede.community.domain.access import is_admin
from stampede.community.store import CommunityUoW
from stampede.community.store.shared import shared_reads
from stampede.community.views.models import DEFAULT_PAGE, MAX_PAGE
from stampede.kernel.auth import Principal
from stampede.kernel.errors import StampedeError

P = "/api/community"
_ESCAPES = ((b"&", b"\\u0026"), (b"<", b"\\u003c"), (b">", b"\\u003e"))
Render = Callable[[Request, Exception], Awaitable[Response]]
Answer = BaseModel | Sequence[BaseModel]


def escape_json(raw: bytes) -> bytes:
    """JSON text with every ``&``, ``<`` and ``>`` (only ever inside strings) escaped."""
    for char, escaped in _ESCAPES:
        raw = raw.replace(char, escaped)
    return raw


class SafeJSON(JSONResponse):
    """A JSON answer whose strings hold no raw ``<``, ``>`` or ``&``."""

    def render(self, content: Any) -> bytes:
        return escape_json(super().render(content))


class SafeRoute(APIRoute):
    """A route whose errors (problem+json, rendered by the app's own handlers) are escaped
    like its answers: a 422 naming an unknown field ``<script>`` echoes it escaped."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def safe(request: Request) -> Response:
            try:
                return await handle(request)
            except (StampedeError, RequestValidationError, HTTPException) as exc:
                return _escaped(await _render(request, exc))

        return safe


async def _render(request: Request, exc: Exception) -> Response:
    """The error as the app's exception handler for it answers."""
    handlers = request.app.exception_handlers
    for kind in type(exc).__mro__:
        if kind in handlers:
            return await cast(Render, handlers[kind])(request, exc)
    raise exc


def _escaped(response: Response) -> Response:
    if "json" in (response.media_type or response.headers.get("content-type", "")):
        response.body = escape_json(bytes(response.body))
        response.headers["content-length"] = str(len(response.body))
    return response


async def shared_answer(
    uow: CommunityUoW,
    user: Principal | None,
    where: tuple[tuple[Hashable, ...], tuple[str, ...]],
    read: Callable[[], Awaitable[Answer]],
) -> Response:
    """``read()``'s answer as escaped JSON, kept for every reader but an admin under ``where``
    (the answer's key and scopes, see :mod:`stampede.community.store.shared`)."""
    if user is not None and is_admin(user.roles):
        return json_answer(await read())
    key, scopes = where
    body = await shared_reads(uow.runtime).get(key, scopes, lambda: _rendered(read))
    return json_answer(body)


async def _rendered(read: Callable[[], Awaitable[Answer]]) -> bytes:
    return escape_json(to_json(await read()))


def json_answer(answer: Answer | bytes) -> Response:
    """The models (or JSON text already escaped) as this context's JSON answer."""
    if not isinstance(answer, bytes):
        answer = escape_json(to_json(answer))
    return Response(answer, media_type="application/json")


def community_router() -> APIRouter:
    return APIRouter(tags=["community"], route_class=SafeRoute, default_response_class=SafeJSON)


async def uow(request: Request) -> CommunityUoW:
    return CommunityUoW(request.app.state.runtime)


def viewer(request: Request, user_id: str | None) -> str:
    """Who reads, for counting views once: the member, or a guest's address (as the gateway
    saw it)."""
    if user_id is not None:
        return user_id
    client = request.client.host if request.client else "unknown"
    return "ip:" + request.headers.get("x-stampede-client-ip", client)


UowDep = Annotated[CommunityUoW, Depends(uow)]
Cursor = Annotated[str | None, Query(max_length=200, pattern=r"^[A-Za-z0-9_=-]*$")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
DEFAULT_LIMIT = DEFAULT_PAGE
