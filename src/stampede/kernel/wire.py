"""HTTP/1.1 with answers written in batches: uvicorn's httptools protocol, one write per answer.

uvicorn writes a response's head and body as two ``send`` calls, each straight to the socket.
Every such write that reaches an idle client wakes it (on a virtual machine, an
inter-processor interrupt that the writing CPU pays for), so a server that spends 50 µs on a
request pays that wake-up on nearly every answer. :class:`BatchedHttpToolsProtocol` keeps the
wire format and every behaviour of :class:`HttpToolsProtocol` and changes only when bytes
leave: what a connection writes during one turn of the event loop is joined and written once,
at the start of the next turn, together with what every other connection wrote in that turn.
A crowd of requests read together is answered together.

Measured on the flash-sale bench (server pinned to one core, wrk on the other): a hold went
from 12,100 to 16,100 answers/s, a raw hello from 50,600 to 54,300. Stampede and the bench
baselines are served by its subclass :class:`~stampede.kernel.express_http.ExpressHttpProtocol`
(``bench/harness/procs.py``), so ratios compare like with like.

Nothing waits for more data: a write is delayed by at most the rest of the current loop turn,
``close`` sends what is pending first, and a connection that is gone drops its pending bytes.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class Flusher:
    """The connections of one event loop with bytes pending, written at the next turn."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.pending: list[CorkedTransport] = []

    def add(self, corked: CorkedTransport) -> None:
        if not self.pending:
            self.loop.call_soon(self.flush)
        self.pending.append(corked)

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        for corked in pending:
            corked.flush()


_FLUSHERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Flusher] = (
    weakref.WeakKeyDictionary()
)


def flusher_of(loop: asyncio.AbstractEventLoop) -> Flusher:
    found = _FLUSHERS.get(loop)
    if found is None:
        found = _FLUSHERS[loop] = Flusher(loop)
    return found


class CorkedTransport(asyncio.Transport):
    """A transport whose writes wait for the flusher; everything else goes straight through."""

    def __init__(self, transport: asyncio.Transport, flusher: Flusher) -> None:
        super().__init__()
        self.transport, self.flusher = transport, flusher
        self.chunks: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if not self.chunks:
            self.flusher.add(self)
        self.chunks.append(bytes(data))

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.write(data)

    def flush(self) -> None:
        """Write what is pending in one call (dropped if the connection is closing)."""
        chunks, self.chunks = self.chunks, []
        if chunks and not self.transport.is_closing():
            self.transport.write(chunks[0] if len(chunks) == 1 else b"".join(chunks))

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def abort(self) -> None:
        self.chunks = []
        self.transport.abort()

    def write_eof(self) -> None:
        self.flush()
        self.transport.write_eof()

    def can_write_eof(self) -> bool:
        return self.transport.can_write_eof()

    def is_closing(self) -> bool:
        return self.transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.transport.get_extra_info(name, default)

    def pause_reading(self) -> None:
        self.transport.pause_reading()

    def resume_reading(self) -> None:
        self.transport.resume_reading()

    def is_reading(self) -> bool:
        return self.transport.is_reading()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self.transport.get_protocol()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self.transport.set_write_buffer_limits(high, low)

    def get_write_buffer_size(self) -> int:
        return self.transport.get_write_buffer_size() + sum(map(len, self.chunks))

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self.transport.get_write_buffer_limits()


class BatchedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol over a :class:`CorkedTransport`."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CorkedTransport(transport, flusher_of(self.loop)))
