"""Express lanes answered by the HTTP protocol itself, without an ASGI cycle.

uvicorn serves each request as an ASGI cycle: a ``RequestResponseCycle`` with its own
``asyncio.Event``, a task running the app through the proxy-headers middleware, a ``receive``
for the body and two ``send`` calls that check and assemble the response head. For a small
answer that machinery is most of the cost: on the flash-sale bench machine a hello answered
in ``on_headers_complete`` reached 80,000 answers/s against 31,000/s through the cycle.

:class:`ExpressHttpProtocol` is :class:`~stampede.kernel.wire.BatchedHttpToolsProtocol` with
one change. A request that the app's :class:`~stampede.kernel.express.Express` claims, and that
it can answer at once, is answered here: its body is gathered as it arrives, the lane parses it
and the bearer token must already be verified (``TokenVerifier.known``); then a task runs the
same :meth:`Express.respond` the ASGI path runs (admission, work, observation) and writes the
head and body in one go. "At once" means: HTTP/1.1 kept alive, no answer still owed on the
connection (pipelined requests queue exactly as uvicorn queues them), no upgrade, no
``Expect: 100-continue``, no concurrency limit, a plain path, and a body of declared length
within the lane limit (none for GET; HEAD is never claimed here).

Anything else — an unknown token, a body the lane does not take, a missing bearer — is handed
to uvicorn's own cycle with the body already read, so the full app answers it as before.
``X-Forwarded-For``/``-Proto`` from a trusted proxy are applied by uvicorn's own
``ProxyHeadersMiddleware`` logic before the lane sees the request.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httptools
from uvicorn.config import Config
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from uvicorn.protocols.http.httptools_impl import STATUS_LINE
from uvicorn.server import ServerState

from stampede.kernel.express import BODILESS, Express, Lane
from stampede.kernel.wire import BatchedHttpToolsProtocol

PROTOCOL = "stampede.kernel.express_http:ExpressHttpProtocol"  # for uvicorn's --http
FORWARDED = frozenset((b"x-forwarded-for", b"x-forwarded-proto"))
_NO_CALLS: Any = None  # the proxy-headers step neither receives nor sends


class _NoEvent:
    def set(self) -> None:
        """Nothing waits for a lane's body: the lane is asked once the body is complete."""


class LaneCycle:
    """Stands in for uvicorn's ``RequestResponseCycle`` while a claimed request is read and
    answered: the protocol reads ``response_complete`` and ``disconnected``, may clear
    ``keep_alive`` (shutdown) and sets ``message_event``."""

    __slots__ = ("lane", "body", "forwarded", "response_complete", "disconnected", "keep_alive")
    message_event = _NoEvent()

    def __init__(self, lane: Lane, forwarded: bool) -> None:
        self.lane, self.forwarded = lane, forwarded
        self.body = b""
        self.response_complete = self.disconnected = False
        self.keep_alive = True


class ExpressHttpProtocol(BatchedHttpToolsProtocol):
    """See the module docstring."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        app = config.loaded_app
        proxied = isinstance(app, ProxyHeadersMiddleware)
        self.express = express_of(app.app if proxied else app)
        self.proxy = (
            ProxyHeadersMiddleware(_nothing, config.forwarded_allow_ips) if proxied else None
        )

    def on_headers_complete(self) -> None:
        cycle = self._lane_cycle()
        if cycle is None:
            super().on_headers_complete()
        else:
            self.cycle = cycle  # type: ignore[assignment]

    def on_body(self, body: bytes) -> None:
        cycle: Any = self.cycle
        if type(cycle) is LaneCycle:
            cycle.body += body
        else:
            super().on_body(body)

    def on_message_complete(self) -> None:
        cycle: Any = self.cycle
        if type(cycle) is not LaneCycle:
            super().on_message_complete()
            return
        scope: Any = self.scope  # uvicorn's HTTPScope, a plain dict
        body, express = cycle.body, self.express
        assert express is not None  # a LaneCycle is made only when there is one
        if cycle.forwarded and self.proxy is not None:
            _drive(self.proxy(scope, _NO_CALLS, _NO_CALLS))
        ready = express.prepare(scope, body, cycle.lane)
        user = None if ready is None else express.verifier.known(ready[1])
        if ready is None or user is None:
            self._hand_over(cycle, body)
            return
        task = self.loop.create_task(self._answer(cycle, express.respond(scope, user, ready[0])))
        task.add_done_callback(self.tasks.discard)
        self.tasks.add(task)

    def _lane_cycle(self) -> LaneCycle | None:
        """A :class:`LaneCycle` for the request whose head was just read, when it is claimed
        and can be answered here (see the module docstring); the scope is completed for it."""
        express, parser = self.express, self.parser
        if express is None or self.expect_100_continue or self.limit_concurrency is not None:
            return None
        if self.cycle is not None and not self.cycle.response_complete:
            return None
        if parser.should_upgrade() or not parser.should_keep_alive():
            return None
        if parser.get_http_version() != "1.1":
            return None
        method = parser.get_method().decode("ascii")
        url = httptools.parse_url(self.url)
        if method == "HEAD" or b"%" in url.path or not url.path.isascii():
            return None
        path = self.root_path + url.path.decode("ascii")
        lane = express.claim(method, path)
        if lane is None:
            return None
        length, forwarded = _head_facts(self.headers)
        if length is None or length > (0 if method in BODILESS else express.body_limit):
            return None
        scope = self.scope
        scope["method"], scope["path"] = method, path
        scope["raw_path"] = self.root_path.encode("ascii") + url.path
        scope["query_string"] = url.query or b""
        return LaneCycle(lane, forwarded)

    def _hand_over(self, cycle: LaneCycle, body: bytes) -> None:
        """Give the request to uvicorn's own cycle and the full app, the body already read."""
        cycle.response_complete = True  # done with: uvicorn's cycle takes the request
        super().on_headers_complete()
        if body:
            super().on_body(body)
        super().on_message_complete()

    async def _answer(self, cycle: LaneCycle, answering: Any) -> None:
        try:
            status, body, headers = await answering
            if cycle.disconnected:
                return
            if self.flow.write_paused:
                await self.flow.drain()
            self.transport.write(self._head(status, headers, len(body), cycle.keep_alive) + body)
        except BaseException:
            self.transport.close()
            raise
        cycle.response_complete = True
        if not cycle.keep_alive:
            self.transport.close()
        self.on_response_complete()

    def _head(
        self, status: int, headers: list[tuple[bytes, bytes]], size: int, keep: bool
    ) -> bytes:
        parts = [STATUS_LINE[status], _defaults(self.server_state.default_headers)]
        for name, value in headers:
            parts += (name, b": ", value, b"\r\n")
        parts.append(b"content-length: %d\r\n" % size)
        parts.append(b"\r\n" if keep else b"connection: close\r\n\r\n")
        return b"".join(parts)


def express_of(app: Any) -> Express | None:
    return app if isinstance(app, Express) else None


def _head_facts(headers: list[tuple[bytes, bytes]]) -> tuple[int | None, bool]:
    """The declared body length (0 if none; None if chunked or unreadable) and whether proxy
    headers came with the request."""
    length, declared, forwarded = 0, False, False
    for name, value in headers:
        if name == b"content-length":
            if declared or not value.isdigit():
                return None, forwarded
            length, declared = int(value), True
        elif name == b"transfer-encoding":
            return None, forwarded
        elif name in FORWARDED:
            forwarded = True
    return length, forwarded


_DEFAULTS: list[Any] = [None, b""]  # uvicorn's default headers (replaced each second), encoded


def _defaults(headers: list[tuple[bytes, bytes]]) -> bytes:
    if _DEFAULTS[0] is not headers:
        _DEFAULTS[:] = [headers, b"".join(b"%s: %s\r\n" % pair for pair in headers)]
    encoded: bytes = _DEFAULTS[1]
    return encoded


async def _nothing(*_: Any) -> None:
    """The app behind the proxy-headers step: the lane goes on once the scope is set."""


def _drive(step: Any) -> None:
    """Run a coroutine that never waits (the proxy-headers step) to its end."""
    try:
        step.send(None)
    except StopIteration:
        return
    raise RuntimeError("the proxy-headers step waited")
