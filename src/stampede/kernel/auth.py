"""Access-token verification against the identity context's JWKS, and the HTTP dependencies.

Only RS256 is accepted; ``exp``, ``iat``, ``iss``, ``aud`` and ``sub`` are required. Keys are
cached by ``kid``; an unknown ``kid`` refetches the JWKS at most once per ``refetch_s`` (30 s), so
a flood of forged kids cannot hammer identity. Any failure is a 401.

A verified token is remembered (up to :data:`VERIFIED_CACHE` tokens, oldest dropped first)
until its ``exp``, so a client sending the same token again costs a dict lookup instead of an
RSA verification. Only tokens that passed every check are remembered; a token stays accepted
until its own expiry even if its key is rotated out meanwhile (access tokens live minutes).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from jwt.algorithms import RSAAlgorithm

from stampede.kernel.errors import Forbidden, Unauthorized

FetchJwks = Callable[[], Awaitable[Mapping[str, Any]]]
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]
JWKS_REFETCH_S = 30.0
VERIFIED_CACHE = 100_000


@dataclass(frozen=True)
class Principal:
    """The caller as the access token describes them."""

    user_id: str
    roles: frozenset[str]

    def has(self, role: str) -> bool:
        return role in self.roles


class TokenVerifier:
    def __init__(
        self, fetch_jwks: FetchJwks, issuer: str, audience: str, refetch_s: float = JWKS_REFETCH_S
    ) -> None:
        self._fetch, self.issuer, self.audience = fetch_jwks, issuer, audience
        self._refetch_s = refetch_s
        self._keys: dict[str, Any] = {}
        self._fetched_at = -float("inf")
        self._lock = asyncio.Lock()
        self._verified: dict[str, tuple[Principal, float]] = {}

    def known(self, token: str) -> Principal | None:
        """The caller of a token verified before and not expired, without awaiting anything;
        None when :meth:`verify` has to look at it."""
        known = self._verified.get(token)
        return known[0] if known is not None and known[1] > time.time() else None

    async def verify(self, token: str) -> Principal:
        known = self.known(token)
        if known is not None:
            return known
        principal, expires = await self._verify(token)
        if len(self._verified) >= VERIFIED_CACHE:
            self._verified.pop(next(iter(self._verified)))
        self._verified[token] = (principal, expires)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("malformed token", slug="invalid-token") from exc
        if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
            raise Unauthorized("token must be RS256 with a kid", slug="invalid-token")
        key = await self._key(header["kid"])
        return self._decode(token, key)

    def _decode(self, token: str, key: Any) -> tuple[Principal, float]:
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid token: {exc}", slug="invalid-token") from exc
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise Unauthorized("invalid roles claim", slug="invalid-token")
        principal = Principal(user_id=str(claims["sub"]), roles=frozenset(roles))
        return principal, float(claims["exp"])

    async def _key(self, kid: str) -> Any:
        if kid not in self._keys:
            async with self._lock:
                if kid not in self._keys and self._may_refetch():
                    await self._refresh()
        if kid not in self._keys:
            raise Unauthorized("unknown signing key", slug="invalid-token")
        return self._keys[kid]

    def _may_refetch(self) -> bool:
        return time.monotonic() - self._fetched_at >= self._refetch_s

    async def _refresh(self) -> None:
        self._fetched_at = time.monotonic()
        try:
            jwks = await self._fetch()
        except Exception as exc:
            raise Unauthorized("signing keys are unavailable", slug="invalid-token") from exc
        self._keys = _public_keys(jwks)

    async def warm(self) -> bool:
        """Fetch the keys before the first request needs them (a restarted service would
        otherwise make its first caller wait for identity); False when it could not."""
        try:
            jwks = await self._fetch()
        except Exception:
            return False
        self._keys, self._fetched_at = _public_keys(jwks), time.monotonic()
        return True


def _public_keys(jwks: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k["kid"]: RSAAlgorithm.from_jwk(k)
        for k in jwks.get("keys", [])
        if k.get("kty") == "RSA" and "kid" in k
    }


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        return None
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("use 'Authorization: Bearer <token>'", slug="invalid-token")
    return token.strip()


async def optional_user(request: Request) -> Principal | None:
    token = bearer(request)
    if token is None:
        return None
    verifier: TokenVerifier = request.app.state.verifier
    return await verifier.verify(token)


async def current_user(user: Annotated[Principal | None, Depends(optional_user)]) -> Principal:
    if user is None:
        raise Unauthorized("log in first", slug="login-required")
    return user


def require_role(role: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets only callers holding ``role`` through (403 otherwise)."""

    async def check(user: Annotated[Principal, Depends(current_user)]) -> Principal:
        if not user.has(role):
            raise Forbidden(f"requires the {role} role", slug="role-required")
        return user

    return check


OptionalUser = Annotated[Principal | None, Depends(optional_user)]
CurrentUser = Annotated[Principal, Depends(current_user)]
AdminUser = Annotated[Principal, Depends(require_role("admin"))]
