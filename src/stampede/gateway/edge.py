"""The edge checks every request passes before it reaches a context.

Order: body cap (413) → token (401 on any invalid token; no token is a guest) → rate limit per
client IP and per user (429 with Retry-After; :mod:`stampede.gateway.limits`, shared through the
store) → forward identity headers. Client-sent ``x-stampede-*`` headers are dropped so they
cannot be forged.
"""

from __future__ import annotations

from starlette.types import Message, Receive, Scope

from stampede.kernel.auth import Principal, TokenVerifier
from stampede.kernel.errors import PayloadTooLarge, Unauthorized

INTERNAL_PREFIX = b"x-stampede-"


def client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def check_declared_size(scope: Scope, limit: int) -> None:
    declared = header(scope, b"content-length")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body exceeds {limit} bytes")


def capped(receive: Receive, limit: int) -> Receive:
    """A ``receive`` that fails with 413 once the body grows past ``limit`` bytes."""
    seen = 0

    async def receive_capped() -> Message:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > limit:
            raise PayloadTooLarge(f"request body exceeds {limit} bytes")
        return message

    return receive_capped


async def authenticate(scope: Scope, verifier: TokenVerifier) -> Principal | None:
    value = header(scope, b"authorization")
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("use 'Authorization: Bearer <token>'", slug="invalid-token")
    return await verifier.verify(token.strip())


def forwarded_headers(scope: Scope, user: Principal | None) -> list[tuple[bytes, bytes]]:
    kept = [(k, v) for k, v in scope["headers"] if not k.startswith(INTERNAL_PREFIX)]
    kept.append((b"x-stampede-client-ip", client_ip(scope).encode()))
    if user is not None:
        kept.append((b"x-stampede-user-id", user.user_id.encode()))
        kept.append((b"x-stampede-roles", ",".join(sorted(user.roles)).encode()))
    return kept
