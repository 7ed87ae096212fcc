"""Sessions: log in, refresh-token rotation, log out.

A login starts a refresh-token family. Each refresh uses up the presented token and issues the
next one of the family; presenting a used or revoked token means it leaked, so the whole family
is revoked. Logging out revokes the family.
"""

from __future__ import annotations

import asyncio
import math
from datetime import timedelta

from stampede.identity.domain import accounts as rules
from stampede.identity.domain.tokens import (
    RefreshToken,
    TokenPair,
    access_claims,
    digest,
    matches,
    refresh_verdict,
)
from stampede.identity.handlers.accounts import existing
from stampede.identity.handlers.keys import signing_key
from stampede.identity.store import Account, IdentityUoW, RefreshTokenRow
from stampede.kernel.errors import TooManyRequests, Unauthorized
from stampede.kernel.messages import now
from stampede.kernel.module import Runtime
from stampede.kernel.sqltypes import new_id
from stampede.kernel.store import Store

LIMITS = rules.LoginLimits()
Counters = tuple[tuple[str, int], ...]


async def log_in(uow: IdentityUoW, *, email: str, password: str, client_ip: str) -> TokenPair:
    """Tokens for the right password.

    401 ``invalid-credentials`` alike for an unknown address and a wrong password (a dummy hash
    is checked, so timing tells nothing); 429 ``login-throttled`` once the account or the client
    IP has too many recent failures, checked before the password. Success clears the account's
    failures.
    """
    email = email.strip().lower()
    counters = LIMITS.counters(email, client_ip)
    await _refuse_when_throttled(uow.runtime.store, counters)
    async with uow:
        account = await uow.accounts.by_email(email)
        stored = None if account is None else account.password_hash
        valid = await asyncio.to_thread(rules.verify_password_or_dummy, stored, password)
        if account is None or not valid:
            raise await _count_failure(uow.runtime.store, counters)
        await uow.runtime.store.delete(counters[0][0])
        await _upgrade_hash(account, password)
        token = _new_refresh_token(uow, account.id, family_id=new_id())
        await uow.commit()
    return await _token_pair(uow.runtime, account, token)


async def _refuse_when_throttled(store: Store, counters: Counters) -> None:
    for key, limit in counters:
        if int(await store.get(key) or 0) >= limit:
            remaining = await store.ttl(key) or LIMITS.window_s
            raise TooManyRequests(
                "too many failed logins; try again later",
                slug="login-throttled",
                retry_after=math.ceil(remaining),
            )


async def _count_failure(store: Store, counters: Counters) -> Unauthorized:
    for key, _ in counters:
        await store.incr(key, LIMITS.window_s)
    return Unauthorized("invalid credentials", slug="invalid-credentials")


async def _upgrade_hash(account: Account, password: str) -> None:
    """Re-hashes with the current parameters when the stored hash used weaker ones."""
    if rules.needs_rehash(account.password_hash):
        account.password_hash = await asyncio.to_thread(rules.hash_password, password)


def _new_refresh_token(uow: IdentityUoW, account_id: str, family_id: str) -> RefreshToken:
    token, ttl = RefreshToken.new(), uow.runtime.settings.refresh_token_ttl_s
    uow.refresh_tokens.add(
        RefreshTokenRow(
            id=token.id,
            family_id=family_id,
            account_id=account_id,
            secret_hash=digest(token.secret),
            expires_at=now() + timedelta(seconds=ttl),
        )
    )
    return token


async def _token_pair(runtime: Runtime, account: Account, refresh: RefreshToken) -> TokenPair:
    settings, key = runtime.settings, await signing_key(runtime)
    claims = access_claims(
        account.id,
        account.roles,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        now=now(),
        ttl_s=settings.access_token_ttl_s,
    )
    return TokenPair(key.sign(claims), str(refresh), settings.access_token_ttl_s)


async def refresh(uow: IdentityUoW, raw: str) -> TokenPair:
    """The next pair of the token's family, with the roles read fresh from the account.

    401 unless the token is live and unused; a used or revoked one revokes its whole family.
    """
    async with uow:
        row = await _refresh_row(uow, raw)
        verdict = refresh_verdict(row.used_at, row.revoked_at, row.expires_at, now())
        if verdict == "reused":
            raise await _revoke_reused(uow, row)
        if verdict == "expired":
            raise Unauthorized("the refresh token has expired", slug="refresh-token-expired")
        row.used_at = now()
        account = await existing(uow, row.account_id)
        token = _new_refresh_token(uow, account.id, row.family_id)
        await uow.commit()
    return await _token_pair(uow.runtime, account, token)


async def _revoke_reused(uow: IdentityUoW, row: RefreshTokenRow) -> Unauthorized:
    """Revokes the family of a token presented twice (committed) and returns the 401."""
    await uow.refresh_tokens.revoke_family(row.family_id, now())
    await uow.commit()
    return Unauthorized("refresh token reused; the session is revoked", slug="refresh-token-reused")


async def _refresh_row(uow: IdentityUoW, raw: str) -> RefreshTokenRow:
    token = RefreshToken.parse(raw)
    row = None if token is None else await uow.refresh_tokens.get(token.id)
    if token is None or row is None or not matches(token.secret, row.secret_hash):
        raise Unauthorized("invalid refresh token", slug="invalid-refresh-token")
    return row


async def log_out(uow: IdentityUoW, raw: str) -> None:
    """Revokes the token's whole family (again is fine); 401 for a token that never existed."""
    async with uow:
        row = await _refresh_row(uow, raw)
        await uow.refresh_tokens.revoke_family(row.family_id, now())
        await uow.commit()
