"""The baselines every flash-sale figure is divided by, served by the same uvicorn flags.

* ``hello`` — the cheapest ASGI response: the floor of what one uvicorn worker can answer.
* ``naive`` — what a first attempt at a hold endpoint looks like: Starlette, a redis-py
  connection pool and one Lua call (decrement the stock if it is positive) per request. It
  answers 201 while stock lasts and 409 after, like the holds endpoint.

Both are started by the bench as ``python -m uvicorn harness.baselines:hello --app-dir bench``
with the flags Stampede's own ``serve`` uses (one worker, uvloop, the batched httptools
protocol of :mod:`stampede.kernel.wire`, access log off, lifespan on). ``naive`` reads
``BENCH_REDIS_URL`` and ``BENCH_NAIVE_STOCK``; its stock key is unique to the process and
deleted at shutdown.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import ConnectionPool, Redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

DECREMENT_IF_POSITIVE = """
local left = tonumber(redis.call('GET', KEYS[1]) or '0')
if left <= 0 then return -1 end
return redis.call('DECRBY', KEYS[1], ARGV[1])
"""


async def hello(scope: Scope, receive: Receive, send: Send) -> None:
    """Raw ASGI: 200 ``hello`` for every request; lifespan answered so ``--lifespan on`` works."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            kind = message["type"].rsplit(".", 1)[-1]
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return
    headers = [(b"content-type", b"text/plain")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"hello"})


STOCK_KEY = f"bench:naive:{os.getpid()}:stock"


@asynccontextmanager
async def _redis(app: Starlette) -> AsyncIterator[None]:
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    redis = Redis(connection_pool=ConnectionPool.from_url(url, max_connections=64))
    app.state.redis = redis
    app.state.decrement = redis.register_script(DECREMENT_IF_POSITIVE)
    await redis.set(STOCK_KEY, int(os.environ.get("BENCH_NAIVE_STOCK", "1000")))
    try:
        yield
    finally:
        await redis.delete(STOCK_KEY)
        await redis.aclose()


async def naive_hold(request: Request) -> JSONResponse:
    """One Lua call per request: 201 with what is left, or 409 once the stock is gone."""
    body = await request.json()
    left = await request.app.state.decrement(keys=[STOCK_KEY], args=[body.get("quantity", 1)])
    if int(left) < 0:
        return JSONResponse({"status": 409, "title": "sold out"}, status_code=409)
    return JSONResponse({"listing_id": body.get("listing_id"), "left": int(left)}, status_code=201)


async def ready(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


naive = Starlette(
    routes=[Route("/hold", naive_hold, methods=["POST"]), Route("/healthz", ready)],
    lifespan=_redis,
)
