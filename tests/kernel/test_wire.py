"""The batched HTTP protocol answers exactly as uvicorn's own does, over real sockets, on
asyncio's loop and on uvloop; and a connection's writes of one loop turn leave as one write."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest
import uvloop
from starlette.types import Receive, Scope, Send

from stampede.kernel.wire import BatchedHttpToolsProtocol, CorkedTransport, Flusher
from tests.kernel.serving import serving

BIG = 3 * 1024 * 1024  # past the transport's write buffer limits: flow control comes into play


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """``/echo`` returns the body, ``/stream`` three parts 0.2 s apart, ``/big`` 3 MiB,
    ``/close`` asks for the connection to be closed after the answer; else ``hello``."""
    assert scope["type"] == "http"
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    path = scope["path"]
    if path == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for part in (b"one ", b"two ", b"three"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
            await asyncio.sleep(0.2)
        await send({"type": "http.response.body", "body": b""})
        return
    answer = {"/echo": body, "/big": b"x" * BIG}.get(path, b"hello")
    headers = [(b"content-length", str(len(answer)).encode())]
    if path == "/close":
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": answer})


async def pipelined(port: int, count: int) -> list[bytes]:
    """``count`` requests written at once on one connection; the bodies in answer order."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    requests = b"".join(
        f"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: {len(str(n))}\r\n\r\n{n}".encode()
        for n in range(count)
    )
    writer.write(requests)
    bodies = []
    for _ in range(count):
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        bodies.append(await reader.readexactly(length))
    writer.close()
    await writer.wait_closed()
    return bodies


async def scenario(protocol: type[BatchedHttpToolsProtocol] = BatchedHttpToolsProtocol) -> None:
    async with serving(app, http=protocol) as port:
        base = f"http://127.0.0.1:{port}"
        assert await pipelined(port, 50) == [str(n).encode() for n in range(50)]
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            replies = await asyncio.gather(
                *(client.post("/echo", content=f"crowd {n}") for n in range(200))
            )
            assert [r.text for r in replies] == [f"crowd {n}" for n in range(200)]
            big = await client.get("/big")
            assert big.status_code == 200 and big.content == b"x" * BIG
            closed = await client.get("/close")
            assert closed.text == "hello" and closed.headers["connection"] == "close"
            async with client.stream("GET", "/stream") as streamed:
                parts = streamed.aiter_raw()
                first = await asyncio.wait_for(anext(parts), 0.15)  # before the stream ends
                assert first == b"one "
                assert b"".join([first] + [p async for p in parts]) == b"one two three"


async def test_answers_as_uvicorn_does_on_asyncio() -> None:
    await scenario()


def test_answers_as_uvicorn_does_on_uvloop() -> None:
    uvloop.run(scenario())


class Recording(asyncio.Transport):
    """A transport that keeps what it is asked to write."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def get_write_buffer_size(self) -> int:
        return 0

    def close(self) -> None:
        self.closed = True


async def turn() -> None:
    await asyncio.sleep(0)
    await asyncio.sleep(0)


async def corked(
    check: Callable[[CorkedTransport, Recording], Awaitable[None]],
) -> None:
    real = Recording()
    await check(CorkedTransport(real, Flusher(asyncio.get_running_loop())), real)


async def test_one_write_per_connection_per_turn() -> None:
    async def check(cork: CorkedTransport, real: Recording) -> None:
        cork.write(b"head ")
        cork.write(b"")
        cork.writelines([b"body", b"!"])
        assert real.writes == [] and cork.get_write_buffer_size() == 10
        await turn()
        assert real.writes == [b"head body!"]
        cork.write(b"next")
        await turn()
        assert real.writes == [b"head body!", b"next"]

    await corked(check)


async def test_close_sends_what_is_pending_first() -> None:
    async def check(cork: CorkedTransport, real: Recording) -> None:
        cork.write(b"last words")
        cork.close()
        assert real.writes == [b"last words"] and real.closed
        cork.write(b"too late")
        await turn()
        assert real.writes == [b"last words"]

    await corked(check)


async def test_a_connection_that_is_gone_drops_its_pending_bytes() -> None:
    async def check(cork: CorkedTransport, real: Recording) -> None:
        cork.write(b"never read")
        real.closed = True
        await turn()
        assert real.writes == []

    await corked(check)


@pytest.mark.parametrize("count", [1, 7])
async def test_one_flush_serves_every_connection_of_the_turn(count: int) -> None:
    flusher = Flusher(asyncio.get_running_loop())
    reals = [Recording() for _ in range(count)]
    corks = [CorkedTransport(real, flusher) for real in reals]
    for n, cork in enumerate(corks):
        cork.write(f"answer {n}".encode())
    assert len(flusher.pending) == count
    await turn()
    assert [real.writes for real in reals] == [[f"answer {n}".encode()] for n in range(count)]
    assert flusher.pending == []
