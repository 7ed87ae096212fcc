"""A raw ASGI lane in front of the sales app for the three hottest requests: placing a hold,
entering a waiting room and polling a place.

It does what the FastAPI routes do — same body model, same handlers, same problem+json — minus
the framework's per-request work (dependency graph, response model, middleware stack). Any
request it is not sure about (no or bad token, a body that does not validate, an odd header) is
handed to the FastAPI app with its body replayed, so every error reads exactly as the routes
write it, and the OpenAPI document still describes these paths.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stampede.kernel.auth import Principal
from stampede.kernel.errors import StampedeError
from stampede.kernel.module import Runtime
from stampede.sales.api.bodies import HoldIn
from stampede.sales.handlers import holds, queue
from stampede.sales.views import etag, hold_view

PREFIX = "/api/sales/"
MAX_BODY = 16_384
JSON = (b"content-type", b"application/json")
PROBLEM = (b"content-type", b"application/problem+json")
Lane = Callable[[Scope, Principal, bytes], Awaitable["Reply | None"]]
Reply = tuple[int, dict[str, Any], list[tuple[bytes, bytes]]]


class FastLane:
    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app, self.runtime = app, runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lane = self._lane(scope) if scope["type"] == "http" else None
        if lane is None:
            await self.app(scope, receive, send)
            return
        body, complete = await _read(receive)
        reply = await self._try(lane, scope, body) if complete else None
        if reply is None:
            await self.app(scope, _replaying(body, complete, receive), send)
        else:
            await _send(send, *reply)

    def _lane(self, scope: Scope) -> Lane | None:
        path, method = scope["path"], scope["method"]
        if not path.startswith(PREFIX):
            return None
        rest = path[len(PREFIX) :]
        if method == "POST" and rest == "holds":
            return self._hold
        if method == "POST" and rest.endswith("/queue") and rest.count("/") == 1:
            return self._enter
        if method == "GET" and rest.startswith("queue/") and rest.count("/") == 1:
            return self._poll
        return None

    async def _try(self, lane: Lane, scope: Scope, body: bytes) -> Reply | None:
        user = await self._user(scope)
        if user is None:
            return None
        try:
            return await lane(scope, user, body)
        except StampedeError as error:
            return error.status, error.problem(scope["path"]), [PROBLEM, *_retry(error)]

    async def _user(self, scope: Scope) -> Principal | None:
        scheme, _, token = _header(scope, b"authorization").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            return await self.runtime.verifier.verify(token.strip())
        except StampedeError:
            return None

    async def _hold(self, scope: Scope, user: Principal, body: bytes) -> Reply | None:
        key = _header(scope, b"idempotency-key") or None
        if key is not None and len(key) > 255:
            return None
        try:
            parsed = HoldIn.model_validate_json(body)
            ask = parsed.ask(holds.sale_kind(self.runtime, str(parsed.listing_id)), key)
        except (ValidationError, StampedeError):
            return None
        hold, replayed = await holds.place_hold(self.runtime, user, ask)
        headers = [JSON, (b"idempotent-replayed", b"true")] if replayed else [JSON]
        return 201, hold_view(hold), headers

    async def _enter(self, scope: Scope, user: Principal, body: bytes) -> Reply | None:
        listing_id = scope["path"][len(PREFIX) : -len("/queue")]
        if not _is_uuid(listing_id):
            return None
        place, new = await queue.enter_queue(self.runtime, user, listing_id.lower())
        return (201 if new else 200), place, [JSON, (b"etag", etag(place).encode())]

    async def _poll(self, scope: Scope, user: Principal, body: bytes) -> Reply | None:
        ticket = scope["path"][len(PREFIX) + len("queue/") :]
        if not 3 <= len(ticket) <= 80:
            return None
        place = await queue.queue_place(self.runtime, user, ticket)
        tag = etag(place).encode()
        if _header(scope, b"if-none-match").encode() == tag:
            return 304, {}, [(b"etag", tag)]
        return 200, place, [JSON, (b"etag", tag), (b"cache-control", b"no-cache")]


def _dumps(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def _is_uuid(text: str) -> bool:
    parts = text.split("-")
    return [len(p) for p in parts] == [8, 4, 4, 4, 12] and all(
        c in "0123456789abcdefABCDEF" for p in parts for c in p
    )


def _retry(error: StampedeError) -> list[tuple[bytes, bytes]]:
    after = getattr(error, "retry_after", None)
    return [] if after is None else [(b"retry-after", str(after).encode())]


async def _read(receive: Receive) -> tuple[bytes, bool]:
    """The body read so far and whether it is complete; reading stops past :data:`MAX_BODY`
    (or at a disconnect) and the app gets the rest from where this left off."""
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_BODY:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        size += len(chunk)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True
    return b"".join(chunks), False


def _replaying(body: bytes, complete: bool, receive: Receive) -> Receive:
    """``receive`` for the app: what was read first, then the rest of the stream."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": not complete}
        return await receive()

    return replay


async def _send(
    send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]
) -> None:
    payload = b"" if status == 304 else _dumps(body)
    headers = [*headers, (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
