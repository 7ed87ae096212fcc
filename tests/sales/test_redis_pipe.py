"""The hot path's pipelined script connection against a real Redis (db 15), and against a
real socket that never answers: replies in order, NOSCRIPT, the URL's database and password,
lost connections, timeouts."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from uuid import uuid4

import pytest
import uvloop
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from stampede.sales.store.redis_pipe import CLIENT_NAME, Script, ScriptPipe

ECHO = b"redis.call('SET', KEYS[1], ARGV[1]) return {KEYS[1], ARGV[1]}"
FAIL = b"return redis.error_reply('NOPE no such thing')"


def script(source: bytes) -> Script:
    return Script(hashlib.sha1(source).hexdigest().encode(), source)


async def run(pipe: ScriptPipe, source: bytes, key: bytes, arg: bytes) -> Any:
    """One call, awaited; an exception handed to the callback is raised."""
    answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    pipe.run(script(source), [key], [arg], answer.set_result)
    reply = await answer
    if isinstance(reply, Exception):
        raise reply
    return reply


@pytest.fixture
async def pipe(redis_url: str) -> AsyncIterator[ScriptPipe]:
    opened = ScriptPipe(redis_url)
    yield opened
    await opened.close()


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[Redis]:
    plain = Redis.from_url(redis_url)
    yield plain
    await plain.aclose()


def new_key() -> bytes:
    return f"tpipe{uuid4().hex[:8]}".encode()


@pytest.fixture
async def key(client: Redis) -> AsyncIterator[bytes]:
    """A key of this test's own, deleted afterwards."""
    fresh = new_key()
    yield fresh
    await client.delete(fresh)


async def test_replies_come_back_to_their_callers_in_order(pipe: ScriptPipe, client: Redis) -> None:
    keys = [new_key() for _ in range(50)]
    try:
        replies = await asyncio.gather(
            *(run(pipe, ECHO, key, b"%d" % n) for n, key in enumerate(keys))
        )
        assert replies == [[key.decode(), str(n)] for n, key in enumerate(keys)]
        assert await client.get(keys[7]) == b"7"  # written in the URL's database (15)
    finally:
        await client.delete(*keys)


async def test_a_flushed_script_cache_runs_the_script_again(
    pipe: ScriptPipe, client: Redis, key: bytes
) -> None:
    await run(pipe, ECHO, key, b"1")
    await client.script_flush()
    assert await run(pipe, ECHO, key, b"2") == [key.decode(), "2"]
    assert await client.get(key) == b"2"  # ran once: EVAL after NOSCRIPT
    assert await client.script_exists(script(ECHO).sha.decode()) == [True]


async def test_an_error_reply_is_a_response_error_and_the_connection_goes_on(
    pipe: ScriptPipe, key: bytes
) -> None:
    with pytest.raises(ResponseError, match="NOPE"):
        await run(pipe, FAIL, key, b"")
    assert await run(pipe, ECHO, key, b"ok") == [key.decode(), "ok"]


async def test_a_killed_connection_is_opened_again_by_the_next_call(
    pipe: ScriptPipe, client: Redis, key: bytes
) -> None:
    await run(pipe, ECHO, key, b"1")
    ours = [c for c in await client.client_list() if c["name"] == CLIENT_NAME.decode()]
    assert ours
    for connection in ours:
        await client.client_kill_filter(_id=connection["id"])
    await asyncio.sleep(0.05)
    assert await run(pipe, ECHO, key, b"2") == [key.decode(), "2"]


async def test_a_password_the_server_refuses_fails_the_calls(redis_url: str) -> None:
    wrong = ScriptPipe(redis_url.replace("redis://", "redis://:not-the-password@"))
    try:
        with pytest.raises(RedisConnectionError, match="set-up"):
            await run(wrong, ECHO, new_key(), b"1")
    finally:
        await wrong.close()


async def test_nobody_listening_fails_the_calls() -> None:
    nowhere = ScriptPipe("redis://127.0.0.1:1/0")
    with pytest.raises(RedisConnectionError, match="cannot reach"):
        await run(nowhere, ECHO, b"k", b"1")
    await nowhere.close()


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def pipe_to(handle: Handler, timeout_s: float = 10.0) -> AsyncIterator[ScriptPipe]:
    """A pipe to a real socket whose server does ``handle`` instead of speaking Redis."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await handle(reader, writer)
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    opened = ScriptPipe(f"redis://127.0.0.1:{port}/0", timeout_s=timeout_s)
    try:
        yield opened
    finally:
        await opened.close()
        server.close()
        await server.wait_closed()


async def test_a_server_that_does_not_answer_times_the_calls_out() -> None:
    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(-1)

    async with pipe_to(swallow, timeout_s=0.2) as mute:
        calls = [run(mute, ECHO, b"k", b"%d" % n) for n in range(3)]
        outcomes = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), 5)
    assert all(isinstance(o, RedisTimeoutError) for o in outcomes), outcomes


async def test_a_connection_closed_with_calls_unanswered_fails_them() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)

    async with pipe_to(hang_up) as closing:
        with pytest.raises(RedisConnectionError, match="lost"):
            await asyncio.wait_for(run(closing, ECHO, b"k", b"1"), 5)


async def test_garbage_from_the_server_fails_the_calls() -> None:
    async def babble(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)
        writer.write(b"?not resp\r\n")
        await reader.read(-1)

    async with pipe_to(babble) as confused:
        with pytest.raises(RedisConnectionError, match="not RESP"):
            await asyncio.wait_for(run(confused, ECHO, b"k", b"1"), 5)


def test_on_uvloop_as_the_services_run(redis_url: str) -> None:
    async def scenario() -> None:
        on_uvloop = ScriptPipe(redis_url)
        plain = Redis.from_url(redis_url)
        keys = [new_key() for _ in range(20)]
        try:
            replies = await asyncio.gather(*(run(on_uvloop, ECHO, key, b"u") for key in keys))
            assert replies == [[key.decode(), "u"] for key in keys]
            await plain.script_flush()
            assert await run(on_uvloop, ECHO, keys[0], b"again") == [keys[0].decode(), "again"]
        finally:
            await on_uvloop.close()
            await plain.delete(*keys)
            await plain.aclose()

    uvloop.run(scenario())
