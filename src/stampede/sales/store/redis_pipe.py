"""One pipelined connection per process for the batched scripts of the hot path.

With redis-py, a reply wakes the task awaiting it, and only that task answers the batch's
callers and sends the sale's next batch: one more turn of the event loop per batch, in which
every other ready request runs first. Here a reply is handed to its callback straight from the
socket's ``data_received``, so a batch's callers are answered, and the next batch is on its way
to Redis, in the same turn the reply arrives. Replies come back in the order the commands were
written (Redis answers one connection in order), so each callback waits in a queue. Replies
are parsed by hiredis.

Scripts run by EVALSHA; a ``NOSCRIPT`` reply (a restart, ``SCRIPT FLUSH``) sends the same
command again as EVAL, which runs and caches the script (nothing ran the first time).

Failure modes, as redis-py reports them, so callers see the same exceptions on both paths:
an unreachable server or a connection lost with commands unanswered fails those commands with
``redis.exceptions.ConnectionError``; a reply not there within ``timeout_s`` closes the
connection and fails every unanswered command with ``redis.exceptions.TimeoutError`` (their
outcome is unknown: nothing is sent again); an error reply is a ``ResponseError``. The next
command opens a new connection.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

import hiredis
from redis.asyncio.connection import SSLConnection, parse_url
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from stampede.kernel.redis_store import REPLY_WAIT_S

CLIENT_NAME = b"stampede-hot-path"  # how the connection shows in CLIENT LIST
Done = Callable[[Any], None]  # gets the reply, or the exception that stands for it


@dataclass(frozen=True)
class Script:
    sha: bytes
    source: bytes


def command(*parts: bytes) -> bytes:
    """One command in RESP, the way Redis reads it: an array of bulk strings."""
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        out += (b"$%d\r\n" % len(part), part, b"\r\n")
    return b"".join(out)


def handshake(options: dict[str, Any]) -> list[bytes]:
    """AUTH and SELECT as the URL asks, and the client name: written ahead of everything else
    on a new connection."""
    first = []
    if options.get("password") is not None:
        secret = str(options["password"]).encode()
        user = options.get("username")
        first.append(
            command(b"AUTH", str(user).encode(), secret) if user else command(b"AUTH", secret)
        )
    if options.get("db"):
        first.append(command(b"SELECT", b"%d" % int(options["db"])))
    first.append(command(b"CLIENT", b"SETNAME", CLIENT_NAME))
    return first


@dataclass
class _Waiting:
    done: Done
    deadline: float
    retry: Callable[[], bytes] | None = None  # the EVAL to send instead after NOSCRIPT


class _Connection(asyncio.Protocol):
    def __init__(self, pipe: ScriptPipe) -> None:
        self.pipe = pipe
        self.reader = hiredis.Reader(encoding="utf-8", replyError=ResponseError)
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        try:
            while (reply := self.reader.gets()) is not False:
                self.pipe.answer(reply)
        except hiredis.ProtocolError as exc:
            self.pipe.lost(self, RedisConnectionError(f"Redis sent what is not RESP: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.pipe.lost(self, RedisConnectionError(f"Redis connection lost: {exc or 'closed'}"))


class ScriptPipe:
    """Script calls on one connection to the server of ``url`` (see the module docstring)."""

    def __init__(self, url: str, timeout_s: float = REPLY_WAIT_S) -> None:
        self._options: dict[str, Any] = dict(parse_url(url))
        self._timeout_s = timeout_s
        self._waiting: deque[_Waiting] = deque()
        self._connection: _Connection | None = None
        self._unsent: list[bytes] | None = None  # written once the connection is open
        self._timer: asyncio.TimerHandle | None = None
        self._opening: asyncio.Task[None] | None = None

    def run(self, script: Script, keys: Sequence[bytes], args: Sequence[bytes], done: Done) -> None:
        """Send EVALSHA ``script``; ``done`` gets the reply (or the exception) later."""
        count = b"%d" % len(keys)
        again = partial(command, b"EVAL", script.source, count, *keys, *args)  # built if needed
        self._send(command(b"EVALSHA", script.sha, count, *keys, *args), done, again)

    def _send(self, payload: bytes, done: Done, retry: Callable[[], bytes] | None = None) -> None:
        loop = asyncio.get_running_loop()
        self._waiting.append(_Waiting(done, loop.time() + self._timeout_s, retry))
        connection = self._connection
        if connection is not None and connection.transport is not None:
            connection.transport.write(payload)
        elif self._unsent is not None:
            self._unsent.append(payload)
        else:
            self._unsent = [payload]
            self._opening = loop.create_task(self._open())
        if self._timer is None:
            self._timer = loop.call_at(self._waiting[0].deadline, self._check_deadline)

    def answer(self, reply: Any) -> None:
        if not self._waiting:  # a reply nothing asked for: the stream is out of step
            self._drop(RedisConnectionError(f"Redis sent a reply nothing asked for: {reply!r:.80}"))
            return
        waiting = self._waiting.popleft()
        if (
            waiting.retry is not None
            and isinstance(reply, ResponseError)
            and str(reply).startswith("NOSCRIPT")
        ):
            self._send(waiting.retry(), waiting.done)
            return
        waiting.done(reply)

    async def _open(self) -> None:
        try:
            async with asyncio.timeout(self._timeout_s):
                made = await self._connect()
        except (OSError, TimeoutError) as exc:
            self._drop(RedisConnectionError(f"cannot reach Redis: {exc}"))
            return
        assert made.transport is not None
        if self._opening is not asyncio.current_task():  # given up on meanwhile
            made.transport.abort()
            return
        self._opening = None
        unsent, self._unsent = self._unsent or [], None
        self._connection = made
        first = handshake(self._options)
        deadline = asyncio.get_running_loop().time() + self._timeout_s
        for _ in first:
            self._waiting.appendleft(_Waiting(self._handshake_reply, deadline))
        made.transport.write(b"".join([*first, *unsent]))

    async def _connect(self) -> _Connection:
        loop, options = asyncio.get_running_loop(), self._options
        if "path" in options:
            _, made = await loop.create_unix_connection(lambda: _Connection(self), options["path"])
            return made
        secure = options.get("connection_class") is SSLConnection
        _, made = await loop.create_connection(
            lambda: _Connection(self),
            options.get("host", "localhost"),
            options.get("port", 6379),
            ssl=ssl.create_default_context() if secure else None,
        )
        return made

    def _handshake_reply(self, reply: Any) -> None:
        if isinstance(reply, Exception):
            self._drop(RedisConnectionError(f"Redis refused the connection's set-up: {reply}"))

    def _check_deadline(self) -> None:
        self._timer = None
        if not self._waiting:
            return
        loop = asyncio.get_running_loop()
        if self._waiting[0].deadline > loop.time():
            self._timer = loop.call_at(self._waiting[0].deadline, self._check_deadline)
            return
        error = RedisTimeoutError(f"no reply from Redis within {self._timeout_s:g} s")
        self._drop(error)

    def lost(self, connection: _Connection, error: Exception) -> None:
        if connection is self._connection:
            self._drop(error)

    def _drop(self, error: Exception) -> None:
        """Close the connection (or stop opening it) and fail every unanswered command."""
        opening, self._opening = self._opening, None
        if opening is not None and opening is not asyncio.current_task():
            opening.cancel()
        connection, self._connection = self._connection, None
        if connection is not None and connection.transport is not None:
            connection.transport.abort()
        self._fail_all(error)

    def _fail_all(self, error: Exception) -> None:
        waiting, self._waiting, self._unsent = self._waiting, deque(), None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for entry in waiting:
            entry.done(error)

    async def close(self) -> None:
        self._drop(RedisConnectionError("the Redis connection was closed"))
