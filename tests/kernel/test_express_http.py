"""Express lanes answered by the HTTP protocol: the same answers as through the ASGI app, over
real sockets, with everything the protocol does not answer itself handed to uvicorn's cycle."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import uvloop
from starlette.types import Receive, Scope, Send

from stampede.kernel.auth import Principal
from stampede.kernel.errors import Conflict
from stampede.kernel.express import Admit, Express
from stampede.kernel.express_http import ExpressHttpProtocol
from stampede.kernel.wire import BatchedHttpToolsProtocol
from tests.kernel.serving import serving
from tests.kernel.test_express import FullApp, Hot, bearer, express
from tests.kernel.test_wire import scenario as plain_scenario

Answer = tuple[int, dict[str, str], bytes]
SEAT = b'{"seat": "A1"}'


class Counted(Express):
    """An Express that counts the requests reaching it through ASGI."""

    calls = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        await super().__call__(scope, receive, send)


def counted(hot: Hot, admit: Admit | None = None) -> Counted:
    made = express(hot, FullApp(), admit)
    return Counted(made.app, made.claims, made.verifier, admit, made.body_limit)


def post(body: bytes = SEAT, path: str = "/hot", extra: str = "", version: str = "1.1") -> bytes:
    head = f"POST {path} HTTP/{version}\r\nhost: t\r\nauthorization: {bearer()['authorization']}"
    return f"{head}\r\ncontent-length: {len(body)}\r\n{extra}\r\n".encode() + body


async def read_answer(reader: asyncio.StreamReader) -> Answer:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")[:-2]
    headers = dict(line.lower().split(": ", 1) for line in lines)
    if headers.get("transfer-encoding") != "chunked":
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        return int(status_line.split()[1]), headers, body
    body = b""
    while size := int(await reader.readuntil(b"\r\n"), 16):
        body += (await reader.readexactly(size + 2))[:-2]
    await reader.readexactly(2)
    return int(status_line.split()[1]), headers, body


async def exchange(port: int, *requests: bytes, together: bool = False) -> list[Answer]:
    """``requests`` on one connection: each answered before the next is written, or all
    written at once (pipelined)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        if together:
            writer.write(b"".join(requests))
            return [await asyncio.wait_for(read_answer(reader), 5) for _ in requests]
        answers = []
        for request in requests:
            writer.write(request)
            answers.append(await asyncio.wait_for(read_answer(reader), 5))
        return answers
    finally:
        writer.close()


def comparable(answer: Answer) -> Answer:
    status, headers, body = answer
    return status, {k: v for k, v in headers.items() if k != "date"}, body


async def test_a_known_caller_is_answered_by_the_lane_without_the_asgi_app() -> None:
    hot = Hot()
    app = counted(hot)
    async with serving(app, http=ExpressHttpProtocol) as port:
        first, second = await exchange(port, post(), post(b'{"seat": "B2"}'))
    assert app.calls == 1  # the first verifies the new token through the app; the second not
    assert first[0] == second[0] == 201
    assert second[2] == b'{"seat":"B2","user":"u7"}'
    assert [u.user_id for u in hot.users] == ["u7", "u7"]


@pytest.mark.parametrize(
    "request_bytes",
    [
        post(),
        post(b'{"row": 1}'),  # the lane declines: the full app echoes it
        post(b"x" * 2000),  # over the lane limit
        post(path="/h%6Ft"),  # an encoded path: the ASGI path claims it
        post(extra="expect: 100-continue\r\n"),
        post(version="1.0", extra="connection: keep-alive\r\n"),
        b"POST /hot HTTP/1.1\r\nhost: t\r\nauthorization: "
        + bearer()["authorization"].encode()
        + b'\r\ntransfer-encoding: chunked\r\n\r\n4\r\n{"se\r\na\r\nat": "C3"}\r\n0\r\n\r\n',
        b"GET /other HTTP/1.1\r\nhost: t\r\n\r\n",
    ],
)
async def test_every_answer_is_the_one_the_asgi_path_gives(request_bytes: bytes) -> None:
    answers = []
    for protocol in (BatchedHttpToolsProtocol, ExpressHttpProtocol):
        async with serving(counted(Hot()), http=protocol) as port:
            warm = await exchange(port, post())  # the token is known from here on
            answers.append([comparable(a) for a in warm + await exchange(port, request_bytes)])
    assert answers[0] == answers[1]


async def test_a_refusal_reads_as_through_the_app() -> None:
    answers = []
    for protocol in (BatchedHttpToolsProtocol, ExpressHttpProtocol):
        async with serving(counted(Hot(Conflict("taken", slug="taken"))), http=protocol) as port:
            answers.append([comparable(a) for a in await exchange(port, post(), post())])
    assert answers[0] == answers[1]
    assert (
        answers[1][1][0] == 409 and answers[1][1][1]["content-type"] == "application/problem+json"
    )


async def pipelined_mix() -> None:
    hot, full = Hot(), FullApp()
    made = express(hot, full)
    async with serving(made, http=ExpressHttpProtocol) as port:
        await exchange(port, post())
        requests = [
            post(b'{"seat": "%d"}' % n) if n % 2 else post(b"plain %d" % n) for n in range(9)
        ]
        answers = await exchange(port, *requests, together=True)
    for n, (status, headers, body) in enumerate(answers):
        if n % 2:
            assert (status, body) == (201, b'{"seat":"%d","user":"u7"}' % n)
        else:
            assert (status, headers.get("x-full-app"), body) == (200, "1", b"plain %d" % n)


async def test_pipelined_requests_are_answered_in_order_whoever_answers() -> None:
    await pipelined_mix()


def test_pipelined_requests_are_answered_in_order_on_uvloop() -> None:
    uvloop.run(pipelined_mix())


async def test_a_body_arriving_in_pieces_is_gathered_for_the_lane() -> None:
    hot = Hot()
    app = counted(hot)
    async with serving(app, http=ExpressHttpProtocol) as port:
        await exchange(port, post())
        whole = post(b'{"seat": "D4"}')
        cut = len(whole) - 6
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(whole[:cut])
        await asyncio.sleep(0.05)
        writer.write(whole[cut:])
        status, _, body = await asyncio.wait_for(read_answer(reader), 5)
        writer.close()
    assert (status, body, app.calls) == (201, b'{"seat":"D4","user":"u7"}', 1)


async def test_connection_close_is_honoured() -> None:
    async with serving(counted(Hot()), http=ExpressHttpProtocol) as port:
        await exchange(port, post())
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(post(extra="connection: close\r\n"))
        status, headers, _ = await asyncio.wait_for(read_answer(reader), 5)
        assert (status, headers["connection"]) == (201, "close")
        assert await asyncio.wait_for(reader.read(), 5) == b""  # the server closed it
        writer.close()


@pytest.mark.parametrize(("proxy_headers", "seen"), [(True, "9.9.9.9"), (False, "127.0.0.1")])
async def test_a_trusted_proxys_forwarded_address_reaches_admission(
    proxy_headers: bool, seen: str
) -> None:
    clients: list[str] = []

    def admit(scope: Scope, user: Principal) -> None:
        clients.append(scope["client"][0])

    app = counted(Hot(), admit)
    async with serving(app, http=ExpressHttpProtocol, proxy_headers=proxy_headers) as port:
        await exchange(port, post())
        await exchange(port, post(extra="x-forwarded-for: 9.9.9.9\r\n"))
    assert app.calls == 1 and clients == ["127.0.0.1", seen]


async def test_a_client_gone_mid_answer_leaves_the_server_serving() -> None:
    release, started = asyncio.Event(), asyncio.Event()

    class Slow(Hot):
        """Its work waits for ``release`` once ``started`` is wanted."""

        def lane(self, scope: Scope, body: bytes) -> Any:
            async def work(user: Principal) -> Any:
                self.users.append(user)
                if len(self.users) > 1:
                    started.set()
                    await release.wait()
                return 201, b"{}", []

            return work

    slow = Slow()
    async with serving(counted(slow), http=ExpressHttpProtocol) as port:
        await exchange(port, post())
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(post())
        await asyncio.wait_for(started.wait(), 5)
        writer.close()
        await asyncio.sleep(0.05)
        release.set()
        await asyncio.sleep(0.05)
        (answer,) = await exchange(port, b"GET /other HTTP/1.1\r\nhost: t\r\n\r\n")
    assert answer[0] == 200 and len(slow.users) == 2


async def test_an_app_without_lanes_is_served_as_uvicorn_serves_it() -> None:
    await plain_scenario(ExpressHttpProtocol)
