"""Forwards a request to a context in another process through the call clients.

The call client owns timeouts, retries of idempotent requests and the circuit breaker; an
unreachable context becomes a 503 problem, and a 503 problem the context wrote itself (with
its ``Retry-After``) reaches the client as it is. Hop-by-hop headers are not forwarded.
"""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

from stampede.kernel.calls import ServiceCalls

HOP_BY_HOP = {
    b"connection",
    b"keep-alive",
    b"proxy-authenticate",
    b"proxy-authorization",
    b"te",
    b"trailers",
    b"transfer-encoding",
    b"upgrade",
    b"host",
    b"content-length",
}
DROP_FROM_REPLY = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "content-encoding",
}


async def read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def forward(
    calls: ServiceCalls, context: str, scope: Scope, receive: Receive, send: Send
) -> None:
    body = await read_body(receive)
    headers = [
        (k.decode("latin-1"), v.decode("latin-1"))
        for k, v in scope["headers"]
        if k not in HOP_BY_HOP
    ]
    target = scope["path"] + (f"?{scope['query_string'].decode()}" if scope["query_string"] else "")
    reply = await calls.request(
        context, scope["method"], target, relay=True, content=body, headers=headers
    )
    out = [
        (k.encode("latin-1"), v.encode("latin-1"))
        for k, v in reply.headers.multi_items()
        if k.lower() not in DROP_FROM_REPLY
    ]
    out.append((b"content-length", str(len(reply.content)).encode()))
    await send({"type": "http.response.start", "status": reply.status_code, "headers": out})
    await send({"type": "http.response.body", "body": reply.content})
