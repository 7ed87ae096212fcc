"""Express lanes: the few hottest requests, answered ahead of the framework.

A context may claim requests it must answer at crowd speed (placing a hold, entering a waiting
room, polling a place) through ``Module.lanes``. The edge app puts :class:`Express` first, in
front of :class:`~stampede.kernel.observe.Observe` and routing. For a claimed request it reads
the body, lets the lane parse it (no side effects yet), verifies the bearer token, runs the
edge's admission (the rate limit, when this process is the gateway), then the lane's work — the
same handlers the framework routes call — under ``watch`` (``Observe.watch``: counted, timed,
logged and given a request id like any other request).

Whatever a lane is not sure about — no or a bad token, a body that does not parse or is too
big, an odd header — goes to the full app with the body replayed, so every error reads exactly
as the routes write it, and the OpenAPI document still describes these paths.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import structlog
from pydantic_core import to_json
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stampede.kernel.auth import Principal, TokenVerifier
from stampede.kernel.errors import StampedeError
from stampede.kernel.redis_store import STORE_DOWN, store_down

Headers = list[tuple[bytes, bytes]]
Reply = tuple[int, bytes, Headers]
Work = Callable[[Principal], Awaitable[Reply]]  # the request's effect, for a verified caller
Lane = Callable[[Scope, bytes], Work | None]  # parse; None: the full app answers instead
Claim = Callable[[str, str], Lane | None]  # (method, path) → the lane answering it, or None
Admit = Callable[[Scope, Principal], None]  # raises to refuse (e.g. 429)
Watch = Callable[[Scope, Awaitable[Reply]], Awaitable[Reply]]  # observes one answer

JSON = (b"content-type", b"application/json")
PROBLEM = (b"content-type", b"application/problem+json")
MAX_BODY = 16_384
BODILESS = frozenset(("GET", "HEAD"))  # a lane for these reads its request from path and headers
_PROBLEMS: dict[tuple[int, str, str, str, str], bytes] = {}  # refusals repeat: encoded once
log = structlog.get_logger()


def encode(body: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON (pydantic-core's serializer: a fifth of the stdlib encoder's cost)."""
    return to_json(body)


def header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return ""


class Express:
    """Raw ASGI: claimed requests are answered by their lane, the rest go to ``app``."""

    def __init__(
        self,
        app: ASGIApp,
        claims: Sequence[Claim],
        verifier: TokenVerifier,
        admit: Admit | None = None,
        body_limit: int = MAX_BODY,
        watch: Watch | None = None,
    ) -> None:
        self.app, self.claims, self.verifier, self.admit = app, tuple(claims), verifier, admit
        self.body_limit = min(body_limit, MAX_BODY)
        self.watch = watch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lane = self.claim(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if lane is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] in BODILESS:  # a lane reads no body here, and none is read for it
            body, complete, rest = b"", True, receive
        else:
            body, complete = await _read(receive, self.body_limit)
            rest = _replaying(body, complete, receive)
        ready = self.prepare(scope, body, lane) if complete else None
        user = None if ready is None else self.verifier.known(ready[1])
        if ready is not None and user is None:
            user = await self._verify(ready[1])
        if ready is None or user is None:
            await self.app(scope, rest, send)
            return
        await _send(send, *await self.respond(scope, user, ready[0]))

    def claim(self, method: str, path: str) -> Lane | None:
        """The lane that answers ``method path``, if any claims it."""
        for claim in self.claims:
            lane = claim(method, path)
            if lane is not None:
                return lane
        return None

    def prepare(self, scope: Scope, body: bytes, lane: Lane) -> tuple[Work, str] | None:
        """The lane's work and the caller's bearer token, or None when the full app should
        answer (a body too big or not the lane's, no bearer token); nothing runs yet."""
        work = lane(scope, body) if len(body) <= self.body_limit else None
        token = None if work is None else _bearer(scope)
        return None if work is None or token is None else (work, token)

    def respond(self, scope: Scope, user: Principal, work: Work) -> Awaitable[Reply]:
        """The answer of a prepared request for a verified caller: admitted, then worked,
        observed; refusals and errors become problem+json (it does not raise)."""
        answering = self._answer(scope, user, work)
        return answering if self.watch is None else self.watch(scope, answering)

    async def _verify(self, token: str) -> Principal | None:
        try:
            return await self.verifier.verify(token)
        except StampedeError:
            return None

    async def _answer(self, scope: Scope, user: Principal, work: Work) -> Reply:
        try:
            if self.admit is not None:
                self.admit(scope, user)
            return await work(user)
        except StampedeError as error:
            return problem_reply(error, scope["path"])
        except STORE_DOWN as down:
            log.warning("store unreachable", path=scope["path"], error=str(down)[:200])
            return problem_reply(store_down(), scope["path"])
        except Exception:
            log.exception("unhandled error", path=scope["path"])
            return problem_reply(StampedeError("unexpected error"), scope["path"])


def problem_reply(error: StampedeError, path: str) -> Reply:
    """problem+json for ``error``; the body of a plain refusal is encoded once and reused."""
    headers = [PROBLEM]
    after = getattr(error, "retry_after", None)
    if after is not None:
        headers.append((b"retry-after", str(after).encode()))
    if error.extra:
        return error.status, encode(error.problem(path)), headers
    key = (error.status, error.slug, error.title, error.detail, path)
    body = _PROBLEMS.get(key)
    if body is None:
        if len(_PROBLEMS) > 4096:
            _PROBLEMS.clear()
        body = _PROBLEMS[key] = encode(error.problem(path))
    return error.status, body, headers


def _bearer(scope: Scope) -> str | None:
    scheme, _, token = header(scope, b"authorization").partition(" ")
    token = token.strip()
    return token if token and scheme.lower() == "bearer" else None


async def _read(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The body read so far and whether it is complete; reading stops past ``limit`` (or at a
    disconnect) and the app gets the rest from where this left off."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
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


async def _send(send: Send, status: int, body: bytes, headers: Headers) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
