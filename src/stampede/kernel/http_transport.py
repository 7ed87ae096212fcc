"""An httpx transport that sends over aiohttp, for calls between contexts over the network.

Measured on this project's 2-core machine, 32 calls in flight to a raw ASGI hello: httpx's own
connection pool costs 1.3–2.1 ms of CPU per call; the same httpx client over this transport
costs 0.28–0.32 ms (aiohttp alone: 0.17–0.19 ms). The httpx client stays the interface
(``kernel.calls`` and the in-process ASGI transport are unchanged); only the wire is aiohttp.

Failures come back as the httpx exceptions ``kernel.calls`` classifies: a connection that could
not be made → ``httpx.ConnectError`` / ``ConnectTimeout`` (never sent); a connection lost or a
read that timed out → ``httpx.RemoteProtocolError`` / ``ReadTimeout`` (sent, no answer).
"""

from __future__ import annotations

import aiohttp
import httpx

SKIPPED = {b"host", b"content-length", b"transfer-encoding", b"connection"}
POOL_SIZE = 100  # connections per called context


class AiohttpTransport(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=POOL_SIZE)
            self._session = aiohttp.ClientSession(connector=connector, auto_decompress=False)
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in request.headers.raw
            if k.lower() not in SKIPPED
        ]
        body = await request.aread()
        try:
            async with self._open().request(
                request.method,
                str(request.url),
                headers=headers,
                data=body or None,
                timeout=_timeout(request),
                allow_redirects=False,
            ) as reply:
                content = await reply.read()
                return httpx.Response(
                    reply.status, headers=list(reply.raw_headers), content=content, request=request
                )
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        except aiohttp.ConnectionTimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc), request=request) from exc
        except (aiohttp.SocketTimeoutError, TimeoutError) as exc:
            raise httpx.ReadTimeout(str(exc), request=request) from exc
        except aiohttp.ClientError as exc:
            raise httpx.RemoteProtocolError(str(exc), request=request) from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


def _timeout(request: httpx.Request) -> aiohttp.ClientTimeout:
    """httpx's per-request timeouts, as aiohttp's."""
    given = request.extensions.get("timeout", {})
    return aiohttp.ClientTimeout(
        total=None, connect=given.get("connect"), sock_read=given.get("read")
    )
