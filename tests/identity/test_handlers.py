"""Identity's use cases against a real database: SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError

from stampede.compose import Platform, build
from stampede.identity import handlers
from stampede.identity.domain.companies import Application
from stampede.identity.handlers import keys as key_handlers
from stampede.identity.store import EmailVerification, IdentityUoW, RefreshTokenRow, SigningKeyRow
from stampede.identity.views import jwks
from stampede.kernel.errors import BadRequest, Conflict, Unauthorized, Unprocessable
from stampede.kernel.messages import now
from stampede.kernel.module import Runtime
from stampede.kernel.settings import Settings
from tests.identity.support import PASSWORD, events, identity

SHOP = Application("상점", "1248100998", "a@example.com", "010-1234-5678")


@pytest.fixture(params=["sqlite", "postgres"])
async def platform(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Platform]:
    overrides = {"contexts": "identity"}  # one PostgreSQL database holds one context
    if request.param == "postgres":
        overrides["database_url"] = request.getfixturevalue("postgres_url")
    _, started = build(Settings.for_tests(tmp_path, **overrides))
    await started.start()
    yield started
    await started.stop()


@pytest.fixture
def runtime(platform: Platform) -> Runtime:
    return identity(platform)


def uow(runtime: Runtime) -> IdentityUoW:
    return IdentityUoW(runtime)


async def sign_up(runtime: Runtime, email: str = "kim@example.com") -> str:
    account = await handlers.sign_up(uow(runtime), email=email, password=PASSWORD, name="김민지")
    return account.id


async def execute(runtime: Runtime, sql: str, **params: object) -> None:
    async with uow(runtime) as work:
        await work.session.execute(text(sql), params)
        await work.commit()


async def test_sign_up_stores_the_account_and_its_events_together(
    platform: Platform, runtime: Runtime
) -> None:
    user_id = await sign_up(runtime)
    [registered] = await events(platform, "AccountRegistered")
    [requested] = await events(platform, "EmailVerificationRequested")
    assert registered == {
        "user_id": user_id,
        "email": "kim@example.com",
        "name": "김민지",
        "locale": "ko",
    }
    assert requested["user_id"] == user_id and len(requested["token"]) >= 40
    with pytest.raises(Conflict):
        await sign_up(runtime, "KIM@example.com")
    assert len(await events(platform, "AccountRegistered")) == 1


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO accounts (id, email, password_hash, name, roles, locale, email_verified, "
        "created_at, updated_at) VALUES ('6f1c0e8e-8a4b-4c61-9d55-2f1f7d2a9b10', "
        "'Upper@example.com', 'h', 'n', '[]', 'ko', false, '2026-01-01', '2026-01-01')",
        "UPDATE accounts SET locale = 'fr'",
        "UPDATE companies SET status = 'weird'",
        "UPDATE companies SET registration_number = '123'",
    ],
)
async def test_the_database_guards_the_invariants(runtime: Runtime, sql: str) -> None:
    owner = await sign_up(runtime)
    await handlers.apply_company(uow(runtime), owner, SHOP)
    with pytest.raises(IntegrityError):
        await execute(runtime, sql)


async def test_an_expired_verification_token_is_refused(
    platform: Platform, runtime: Runtime
) -> None:
    await sign_up(runtime)
    [requested] = await events(platform, "EmailVerificationRequested")
    async with uow(runtime) as work:
        await work.session.execute(
            update(EmailVerification).values(expires_at=now() - timedelta(seconds=1))
        )
        await work.commit()
    with pytest.raises(BadRequest):
        await handlers.verify_email(uow(runtime), requested["token"])


async def test_verifying_emits_once(platform: Platform, runtime: Runtime) -> None:
    user_id = await sign_up(runtime)
    await handlers.resend_verification(uow(runtime), user_id)
    first, second = [e["token"] for e in await events(platform, "EmailVerificationRequested")]
    await handlers.verify_email(uow(runtime), second)
    with pytest.raises(BadRequest):
        await handlers.verify_email(uow(runtime), first)
    assert await events(platform, "EmailVerified") == [
        {"user_id": user_id, "email": "kim@example.com"}
    ]


async def test_an_expired_refresh_token_is_refused(runtime: Runtime) -> None:
    await sign_up(runtime)
    pair = await handlers.log_in(
        uow(runtime), email="kim@example.com", password=PASSWORD, client_ip="10.0.0.1"
    )
    async with uow(runtime) as work:
        await work.session.execute(update(RefreshTokenRow).values(expires_at=now()))
        await work.commit()
    with pytest.raises(Unauthorized) as caught:
        await handlers.refresh(uow(runtime), pair.refresh_token)
    assert caught.value.slug == "refresh-token-expired"


async def test_concurrent_refreshes_of_one_token_issue_one_pair(runtime: Runtime) -> None:
    await sign_up(runtime)
    pair = await handlers.log_in(
        uow(runtime), email="kim@example.com", password=PASSWORD, client_ip="10.0.0.1"
    )
    results = await asyncio.gather(
        *(handlers.refresh(uow(runtime), pair.refresh_token) for _ in range(3)),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, Unauthorized) for r in results if isinstance(r, BaseException))


async def test_concurrent_approvals_approve_once(platform: Platform, runtime: Runtime) -> None:
    owner = await sign_up(runtime)
    company = await handlers.apply_company(uow(runtime), owner, SHOP)
    results = await asyncio.gather(
        *(handlers.approve_company(uow(runtime), company.id) for _ in range(3)),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert len(await events(platform, "CompanyApproved")) == 1


async def test_one_pending_application_per_owner_is_a_database_rule(runtime: Runtime) -> None:
    owner = await sign_up(runtime)
    await handlers.apply_company(uow(runtime), owner, SHOP)
    with pytest.raises(Conflict) as caught:
        await handlers.apply_company(
            uow(runtime), owner, Application("둘째", "2208162517", "b@example.com", "0101234567")
        )
    assert caught.value.slug == "application-pending"


async def test_a_live_registration_number_is_a_database_rule(runtime: Runtime) -> None:
    first, second = await sign_up(runtime), await sign_up(runtime, "lee@example.com")
    company = await handlers.apply_company(uow(runtime), first, SHOP)
    with pytest.raises(Conflict) as caught:
        await handlers.apply_company(uow(runtime), second, SHOP)
    assert caught.value.slug == "registration-number-taken"
    await handlers.reject_company(uow(runtime), company.id, "서류 미비")
    assert (await handlers.apply_company(uow(runtime), second, SHOP)).status == "pending"


async def test_unknown_profile_fields_are_refused(runtime: Runtime) -> None:
    user_id = await sign_up(runtime)
    with pytest.raises(BadRequest):
        await handlers.update_profile(uow(runtime), user_id, {"roles": ["admin"]})


# -- signing keys ---------------------------------------------------------------------------


async def count_keys(runtime: Runtime) -> int:
    async with uow(runtime) as work:
        return len(await work.keys.published(now() - timedelta(days=365)))


async def test_concurrent_first_signers_make_one_key(runtime: Runtime) -> None:
    keys = await asyncio.gather(*(handlers.signing_key(runtime) for _ in range(5)))
    assert len({key.kid for key in keys}) == 1
    assert await count_keys(runtime) == 1


async def test_a_rotation_elsewhere_is_picked_up_after_the_cache(
    platform: Platform, runtime: Runtime
) -> None:
    before = await handlers.signing_key(runtime)
    _, other = build(platform.settings)  # another process on the same database
    message = await handlers.rotate_keys(identity(other), lead_s=0)
    await other.stop()
    assert (await handlers.signing_key(runtime)).kid == before.kid  # still cached
    key_handlers._cache[runtime.db].loaded_at -= 60
    after = await handlers.signing_key(runtime)
    assert after.kid != before.kid and after.kid in message


async def test_retired_keys_leave_the_jwks_once_their_tokens_expired(runtime: Runtime) -> None:
    old = await handlers.signing_key(runtime)
    await handlers.rotate_keys(runtime, lead_s=0)
    current = await handlers.signing_key(runtime)
    assert {k["kid"] for k in (await jwks(uow(runtime)))["keys"]} == {old.kid, current.kid}
    ttl = runtime.settings.access_token_ttl_s
    async with uow(runtime) as work:
        await work.session.execute(
            update(SigningKeyRow)
            .where(SigningKeyRow.kid == old.kid)
            .values(retired_at=now() - timedelta(seconds=ttl + 10))
        )
        await work.commit()
    assert [k["kid"] for k in (await jwks(uow(runtime)))["keys"]] == [current.kid]


# -- operator tasks and the demo ------------------------------------------------------------


async def test_create_admin_makes_a_verified_admin(platform: Platform, runtime: Runtime) -> None:
    message = await handlers.create_admin(runtime, email="Root@Corp.Local", password=PASSWORD)
    assert "created" in message
    pair = await handlers.log_in(
        uow(runtime), email="root@corp.local", password=PASSWORD, client_ip="10.0.0.1"
    )
    assert pair.access_token
    [registered] = await events(platform, "AccountRegistered")
    assert registered["email"] == "root@corp.local"
    with pytest.raises(Unprocessable):
        await handlers.create_admin(runtime, email="nobody", password=PASSWORD)
    with pytest.raises(Unprocessable):
        await handlers.create_admin(runtime, email="x@corp.local", password="short")


async def test_the_demo_seeds_an_empty_database_once(platform: Platform, runtime: Runtime) -> None:
    lines = await handlers.seed_demo(runtime)
    assert lines[0].split() == ["admin", "admin@stampede.local", "/", "demo-pass-admin"]
    assert len(lines) == 6 and len(await events(platform, "CompanyApproved")) == 2
    assert await handlers.seed_demo(runtime) == []
    for line in lines:
        _, email, _, password = line.split()
        await handlers.log_in(uow(runtime), email=email, password=password, client_ip="10.0.0.1")
    async with uow(runtime) as work:
        shop = await work.accounts.by_email("shop1@stampede.local")
        assert shop is not None and shop.roles == ["customer", "business"]
        assert shop.email_verified


async def test_the_demo_does_nothing_when_accounts_exist(runtime: Runtime) -> None:
    await sign_up(runtime)
    assert await handlers.seed_demo(runtime) == []


async def test_a_changed_secret_key_gets_a_new_signing_key_instead_of_failing(
    platform: Platform, runtime: Runtime
) -> None:
    before = await handlers.signing_key(runtime)
    changed = platform.settings.model_copy(update={"secret_key": "another-secret-of-length"})
    _, other = build(changed)  # a restart with a new SECRET_KEY, same database
    after = await handlers.signing_key(identity(other))
    await other.stop()
    assert after.kid != before.kid
