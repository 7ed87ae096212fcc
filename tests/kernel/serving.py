"""An ASGI app under a real uvicorn server on a free port, for tests of what crosses a socket."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from starlette.types import ASGIApp


@asynccontextmanager
async def serving(app: ASGIApp, **config: Any) -> AsyncIterator[int]:
    """Serve ``app`` (``config``: more ``uvicorn.Config`` options) until the block ends;
    yields the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    options = {"log_level": "warning", "lifespan": "off", "ws": "none"}
    server = uvicorn.Server(uvicorn.Config(app, timeout_graceful_shutdown=2, **options | config))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(5):  # uvicorn offers a ``started`` flag, not an event
            while not server.started:
                if task.done():
                    raise RuntimeError("uvicorn stopped during startup") from task.exception()
                await asyncio.sleep(0.01)
        yield int(sock.getsockname()[1])
    finally:
        server.should_exit = True
        await task
        sock.close()
