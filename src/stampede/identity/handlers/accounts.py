"""Accounts: sign-up, e-mail verification and the profile."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping
from typing import Any

from stampede.identity.contracts import (
    AccountRegistered,
    EmailVerificationRequested,
    EmailVerified,
    ProfileUpdated,
)
from stampede.identity.domain import accounts as rules
from stampede.identity.domain.tokens import (
    VERIFICATION_TTL,
    digest,
    new_secret,
    verification_usable,
)
from stampede.identity.store import Account, EmailVerification, IdentityUoW
from stampede.kernel.errors import BadRequest, Conflict, NotFound, TooManyRequests
from stampede.kernel.messages import now
from stampede.kernel.store import Store

RESEND_LIMIT, RESEND_WINDOW_S = 5, 3600
PROFILE_FIELDS = frozenset({"name", "locale", "default_address"})


async def sign_up(uow: IdentityUoW, *, email: str, password: str, name: str) -> Account:
    """A new unverified customer plus a verification request; 409 ``email-taken``."""
    account = await new_account(rules.normalize_email(email), password, name, [rules.CUSTOMER])
    async with uow:
        await register(uow, account)
        _request_verification(uow, account)
        await uow.commit()
    return account


async def new_account(
    email: str, password: str, name: str, roles: list[str], verified: bool = False
) -> Account:
    """An unsaved account with the password hashed (argon2id, in a thread: ~0.1 s)."""
    password_hash = await asyncio.to_thread(rules.hash_password, rules.check_password(password))
    return Account(
        email=email,
        password_hash=password_hash,
        name=rules.check_name(name),
        roles=roles,
        locale="ko",
        email_verified=verified,
    )


async def register(uow: IdentityUoW, account: Account) -> None:
    """Inserts the account (409 ``email-taken``) and announces it."""
    await uow.accounts.add(account)
    uow.emit(
        AccountRegistered(
            user_id=account.id, email=account.email, name=account.name, locale=account.locale
        ),
        subject=account.id,
    )


def _request_verification(uow: IdentityUoW, account: Account) -> None:
    token, expires_at = new_secret(), now() + VERIFICATION_TTL
    uow.verifications.add(
        EmailVerification(account_id=account.id, token_hash=digest(token), expires_at=expires_at)
    )
    uow.emit(
        EmailVerificationRequested(
            user_id=account.id,
            email=account.email,
            name=account.name,
            locale=account.locale,
            token=token,
            expires_at=expires_at,
        ),
        subject=account.id,
    )


async def existing(uow: IdentityUoW, user_id: str, for_update: bool = False) -> Account:
    """The account; 404 ``user-not-found`` when it does not exist."""
    account = await uow.accounts.get(user_id, for_update=for_update)
    if account is None:
        raise NotFound("no such user", slug="user-not-found")
    return account


async def verify_email(uow: IdentityUoW, token: str) -> None:
    """Marks the address verified; a token works once, for 24 h (else 400)."""
    async with uow:
        row = await uow.verifications.by_hash(digest(token))
        if row is None or not verification_usable(row.used_at, row.expires_at, now()):
            raise BadRequest(
                "the verification token is invalid, used or expired",
                slug="invalid-verification-token",
            )
        row.used_at = now()
        account = await existing(uow, row.account_id, for_update=True)
        if not account.email_verified:
            account.email_verified = True
            uow.emit(EmailVerified(user_id=account.id, email=account.email), subject=account.id)
        await uow.commit()


async def resend_verification(uow: IdentityUoW, user_id: str) -> None:
    """A new token that replaces the open ones; 409 when verified, 429 after 5 an hour."""
    await within_limit(
        uow.runtime.store, f"identity:verification-resend:{user_id}", RESEND_LIMIT, RESEND_WINDOW_S
    )
    async with uow:
        account = await existing(uow, user_id, for_update=True)
        if account.email_verified:
            raise Conflict("the e-mail address is already verified", slug="already-verified")
        await uow.verifications.retire_open(account.id, now())
        _request_verification(uow, account)
        await uow.commit()


async def within_limit(store: Store, key: str, limit: int, window_s: int) -> None:
    """Counts one use of ``key``; 429 with Retry-After once ``limit`` is passed in the window."""
    if await store.incr(key, window_s) > limit:
        remaining = await store.ttl(key) or window_s
        raise TooManyRequests(
            "too many requests; try again later", retry_after=math.ceil(remaining)
        )


async def update_profile(uow: IdentityUoW, user_id: str, changes: Mapping[str, Any]) -> Account:
    """Sets the given fields (``default_address=None`` clears it); emits when any was given."""
    if unknown := set(changes) - PROFILE_FIELDS:
        raise BadRequest(f"not profile fields: {', '.join(sorted(unknown))}")
    async with uow:
        account = await existing(uow, user_id, for_update=True)
        for name, value in changes.items():
            setattr(account, name, rules.check_name(value) if name == "name" else value)
        if changes:
            _announce_profile(uow, account, sorted(changes))
        await uow.commit()
    return account


def _announce_profile(uow: IdentityUoW, account: Account, changed: list[str]) -> None:
    event = ProfileUpdated(
        user_id=account.id, name=account.name, locale=account.locale, changed=tuple(changed)
    )
    uow.emit(event, subject=account.id)
