"""A small HTTP/1.1 keep-alive client over asyncio streams, for the correctness runs.

A pool of ``size`` connections; each request borrows one, writes the request and reads the
answer (Content-Length, chunked, or none for 204/304). Far lighter than httpx per request
(``compare_clients`` measures both against the same server), so a single Python process can
play thousands of buyers while the server, not the client, is the bottleneck.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class _Conn:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    def close(self) -> None:
        self.writer.close()


@dataclass
class Pool:
    """Up to ``size`` keep-alive connections to ``host:port``."""

    host: str
    port: int
    size: int = 64
    _idle: list[_Conn] = field(default_factory=list)
    _slots: asyncio.Semaphore | None = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """One request; a connection the server closed is replaced and the request sent again
        once (only before any answer byte was read, so nothing is sent twice by mistake)."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.size)
        payload = b"" if body is None else json.dumps(body).encode()
        head = _head(method, path, self.host, token, payload, body is not None, headers or {})
        async with self._slots:
            conn = self._idle.pop() if self._idle else await self._connect()
            try:
                reply, keep = await _exchange(conn, head + payload)
            except (ConnectionError, asyncio.IncompleteReadError) as exc:
                conn.close()
                if isinstance(exc, asyncio.IncompleteReadError) and exc.partial:
                    raise
                conn = await self._connect()
                reply, keep = await _exchange(conn, head + payload)
            if keep:
                self._idle.append(conn)
            else:
                conn.close()
            return reply

    async def _connect(self) -> _Conn:
        reader, writer = await asyncio.open_connection(self.host, self.port, limit=2**20)
        return _Conn(reader, writer)

    async def prime(self, count: int, path: str = "/healthz") -> int:
        """Keep ``count`` idle connections ready for a burst: drop idle ones the server has
        closed, open the missing ones at once and send each new one ``GET path`` (so the server
        has accepted it before the burst). Returns how many were opened."""
        self._idle = [c for c in self._idle if not c.reader.at_eof() and not c.writer.is_closing()]
        missing = max(0, count - len(self._idle))
        fresh = await asyncio.gather(*(self._connect() for _ in range(missing)))
        head = _head("GET", path, self.host, None, b"", False, {})
        for reply, _ in await asyncio.gather(*(_exchange(c, head) for c in fresh)):
            if reply.status != 200:
                raise ConnectionError(f"priming with GET {path}: {reply.status}")
        self._idle.extend(fresh)
        return missing

    async def close(self) -> None:
        while self._idle:
            self._idle.pop().close()


@dataclass(frozen=True)
class Shot:
    """One request of a :func:`burst`."""

    status: int  # 0: no answer (the exception's name is the slug)
    slug: str  # a problem's type, its last part ("taken"); "" for a 2xx
    sent: float  # perf_counter just before it was written
    seconds: float  # until its answer was read
    body: Any  # the JSON answer of a 2xx, else None


async def burst(
    pool: Pool, method: str, path: str, asks: list[tuple[str, Any]], timeout_s: float = 60.0
) -> tuple[list[Shot], float]:
    """Every ask (token, JSON body) at once, each on its own connection opened beforehand
    (:meth:`Pool.prime`): all requests are written before any answer is read. Returns the
    shots in the order of ``asks`` and the wall seconds of the burst."""
    await pool.prime(len(asks))

    async def one(token: str, body: Any) -> Shot:
        sent = time.perf_counter()
        try:
            reply = await pool.request(method, path, token=token, body=body)
        except (OSError, asyncio.IncompleteReadError) as exc:
            return Shot(0, type(exc).__name__, sent, time.perf_counter() - sent, None)
        took = time.perf_counter() - sent
        try:
            data = reply.json()
        except ValueError:
            data = None
        if 200 <= reply.status < 300:
            return Shot(reply.status, "", sent, took, data)
        kind = data.get("type", "?") if isinstance(data, dict) else "?"
        return Shot(reply.status, str(kind).rsplit("/", 1)[-1], sent, took, None)

    began = time.perf_counter()
    async with asyncio.timeout(timeout_s):
        shots = await asyncio.gather(*(one(token, body) for token, body in asks))
    return list(shots), time.perf_counter() - began


def _head(
    method: str,
    path: str,
    host: str,
    token: str | None,
    payload: bytes,
    has_body: bool,
    extra: dict[str, str],
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if has_body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    elif method in ("POST", "PUT"):
        lines.append("Content-Length: 0")
    lines += [f"{k}: {v}" for k, v in extra.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _exchange(conn: _Conn, raw: bytes) -> tuple[Reply, bool]:
    conn.writer.write(raw)
    head = await conn.reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in header_lines:
        if line:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await conn.reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = await _chunked(conn.reader)
    else:
        body = b""
    keep = headers.get("connection", "").lower() != "close"
    return Reply(status, headers, body), keep


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


async def compare_clients(
    port: int, requests: int = 2000, concurrency: int = 32
) -> dict[str, float]:
    """Client CPU (µs of this process per request) of this pool and of httpx with a bounded
    pool, each sending ``requests`` GETs to the hello baseline at ``concurrency``."""
    pool = Pool("127.0.0.1", port, concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits) as client:

        async def raw() -> None:
            await pool.request("GET", "/")

        async def via_httpx() -> None:
            await client.get("/")

        result = {
            "raw": await _cpu_per_request(raw, requests, concurrency),
            "httpx": await _cpu_per_request(via_httpx, requests, concurrency),
        }
    await pool.close()
    return result


async def _cpu_per_request(send: Any, requests: int, concurrency: int) -> float:
    async def worker(count: int) -> None:
        for _ in range(count):
            await send()

    await asyncio.gather(*(worker(20) for _ in range(concurrency)))  # warm-up, connections
    started = time.process_time()
    each = max(1, requests // concurrency)
    await asyncio.gather(*(worker(each) for _ in range(concurrency)))
    return (time.process_time() - started) / (each * concurrency) * 1e6
