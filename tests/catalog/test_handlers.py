"""Catalog use cases against a real database (SQLite and PostgreSQL): imports, company copies,
and the constraints the database keeps on its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from stampede.catalog import handlers
from stampede.catalog.handlers.content import validated
from stampede.catalog.store import CatalogUoW
from stampede.compose import Platform, build
from stampede.identity.contracts import CompanyApproved
from stampede.kernel.auth import Principal
from stampede.kernel.errors import Conflict, Unprocessable
from stampede.kernel.module import Runtime
from stampede.kernel.settings import Settings
from stampede.kernel.sqltypes import new_id
from tests.catalog.support import catalog, deal, events, freeze, performance

ADMIN = Principal(user_id=new_id(), roles=frozenset({"admin"}))


@pytest.fixture(params=["sqlite", "postgres"])
async def platform(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Platform]:
    if request.param == "postgres":
        monkeypatch.setenv("CATALOG_DATABASE_URL", request.getfixturevalue("postgres_url"))
    _, started = build(Settings.for_tests(tmp_path))
    await started.start()
    freeze(started)
    yield started
    await started.stop()


@pytest.fixture
def runtime(platform: Platform) -> Runtime:
    return catalog(platform)


async def imported(
    runtime: Runtime, body: dict[str, Any], company_id: str | None = None
) -> tuple[str, bool]:
    async with CatalogUoW(runtime) as uow:
        result = await handlers.upsert_imported(uow, validated(body), company_id)
        await uow.commit()
    return result


async def approve(runtime: Runtime, name: str = "티켓나라") -> str:
    event = CompanyApproved(
        company_id=new_id(),
        owner_id=new_id(),
        name=name,
        registration_number="1248100998",
        contact_email="a@example.com",
        contact_phone="02-555-0101",
    )
    async with CatalogUoW(runtime) as uow:
        await handlers.remember_company(event, uow)
        await uow.commit()
    return event.company_id


async def test_importing_the_same_row_twice_changes_nothing(
    platform: Platform, runtime: Runtime
) -> None:
    company = await approve(runtime)
    row = performance(external_id="kopis:PF001")
    listing_id, changed = await imported(runtime, row, company)
    assert changed
    assert await imported(runtime, row, company) == (listing_id, False)
    assert len(await events(platform, "ListingPublished")) == 1
    assert len(await events(platform, "SeatsSet")) == 2
    assert await events(platform, "ListingUpdated") == []


async def test_importing_a_changed_row_updates_the_listing(
    platform: Platform, runtime: Runtime
) -> None:
    row = deal(external_id="feed-7")
    listing_id, _ = await imported(runtime, row)
    assert await imported(runtime, row | {"stock": 7}) == (listing_id, True)
    [updated] = await events(platform, "ListingUpdated")
    assert updated["listing_id"] == listing_id
    assert [e["stock"] for e in await events(platform, "StockSet")] == [100, 7]


async def test_imports_need_an_external_id_and_keep_to_their_company(runtime: Runtime) -> None:
    with pytest.raises(Unprocessable):
        await imported(runtime, deal())
    with pytest.raises(Unprocessable):
        await imported(runtime, deal(external_id="x-1"), new_id())
    first, second = await approve(runtime), await approve(runtime, "다른 회사")
    await imported(runtime, deal(external_id="x-2"), first)
    with pytest.raises(Conflict):
        await imported(runtime, deal(external_id="x-2", stock=1), second)


async def test_a_deleted_listing_is_not_revived_by_an_import(runtime: Runtime) -> None:
    listing_id, _ = await imported(runtime, deal(external_id="gone-1"))
    await handlers.delete_listing(CatalogUoW(runtime), ADMIN, listing_id)
    assert await imported(runtime, deal(external_id="gone-1", stock=3)) == (listing_id, False)


async def test_a_company_copy_follows_the_latest_approval(runtime: Runtime) -> None:
    company = await approve(runtime)
    event = CompanyApproved(
        company_id=company,
        owner_id=new_id(),
        name="새 이름",
        registration_number="1248100998",
        contact_email="new@example.com",
        contact_phone="02-555-0102",
    )
    async with CatalogUoW(runtime) as uow:
        await handlers.remember_company(event, uow)
        await uow.commit()
    async with CatalogUoW(runtime) as uow:
        stored = await uow.companies.get(company)
        assert stored is not None and stored.name == "새 이름"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE listings SET price = -1",
        "UPDATE listings SET status = 'lost'",
        "UPDATE listings SET kind = 'boat'",
        "UPDATE listings SET closes_at = opens_at",
        "UPDATE listings SET opens_at = NULL",
        "UPDATE listings SET deal_price = price + 1",
    ],
)
async def test_the_database_refuses_impossible_listings(runtime: Runtime, sql: str) -> None:
    await imported(runtime, deal(external_id="c-1"))
    async with CatalogUoW(runtime) as uow:
        with pytest.raises(IntegrityError):
            await uow.session.execute(text(sql))
