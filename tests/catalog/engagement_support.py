"""Helpers for the likes/keywords and sale-window tests: a movable clock, platforms without
background jobs, deals written straight into the tables, likers, and the catalog's outbox."""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select, update

from stampede.catalog.handlers import engagement
from stampede.catalog.store import CatalogUoW, Listing
from stampede.compose import MODULES, Platform, build
from stampede.kernel.module import Module, Runtime
from stampede.kernel.outbox import OutboxRow
from stampede.kernel.settings import Settings
from tests.catalog.support import catalog

SEOUL = ZoneInfo("Asia/Seoul")
OPENS = datetime(2030, 5, 2, 10, 0, tzinfo=SEOUL)
CLOSES = datetime(2030, 5, 2, 11, 0, tzinfo=SEOUL)
H = timedelta(hours=1)


class Clock:
    """A clock the test moves; installed as the catalog runtime's ``clock``."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def quiet_modules() -> list[Module]:
    """The platform's modules with background jobs off, so only the test moves windows (the
    background loop has its own test)."""
    return [dataclasses.replace(m, background=()) for m in MODULES]


async def started(data_dir: Path, clock: Clock) -> Platform:
    _, platform = build(Settings.for_tests(data_dir), quiet_modules())
    catalog(platform).clock = clock
    await platform.start()
    return platform


@contextlib.asynccontextmanager
async def serving(
    data_dir: Path, clock: Clock
) -> AsyncIterator[tuple[httpx.AsyncClient, Platform]]:
    """A started platform on ``clock`` and a client of its public API."""
    app, platform = build(Settings.for_tests(data_dir), quiet_modules())
    catalog(platform).clock = clock
    await platform.start()
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
            yield api, platform
    finally:
        await platform.stop()


DEAL_ROW: dict[str, Any] = {
    "kind": "deal",
    "status": "scheduled",
    "title": "한우 선물세트 타임딜",
    "category": "food",
    "price": 100_000,
    "deal_price": 59_000,
    "details": {"stock": 10, "per_user_limit": 1, "waiting_room": False},
    "opens_at": OPENS,
    "closes_at": CLOSES,
    "search_text": "한우 선물세트 타임딜",
}


async def insert_deal(runtime: Runtime, **fields: Any) -> str:
    """A scheduled deal written straight into the catalog's tables (no company needed)."""
    stamps = {"created_at": runtime.now(), "updated_at": runtime.now()}
    async with CatalogUoW(runtime) as uow:
        listing = Listing(**(DEAL_ROW | stamps | fields))
        await uow.listings.add(listing)
        await uow.commit()
    return listing.id


async def change(runtime: Runtime, listing_id: str, **fields: Any) -> None:
    async with CatalogUoW(runtime) as uow:
        await uow.session.execute(update(Listing).where(Listing.id == listing_id).values(fields))
        await uow.commit()


async def like_by(runtime: Runtime, listing_id: str, count: int) -> list[str]:
    users = sorted(str(uuid.uuid4()) for _ in range(count))
    for user_id in users:
        await engagement.like(CatalogUoW(runtime), user_id, listing_id)
    return users


async def events(runtime: Runtime, *types: str) -> list[tuple[str, dict[str, Any]]]:
    """(type, data) of the catalog's outbox rows of these types, oldest first."""
    async with runtime.db.sessions() as session:
        query = select(OutboxRow).where(OutboxRow.type.in_(types)).order_by(OutboxRow.seq)
        return [(row.type, row.data) for row in await session.scalars(query)]


async def kinds(runtime: Runtime, *types: str) -> list[str]:
    return [kind for kind, _ in await events(runtime, *types)]


async def alerts(runtime: Runtime, lead: str) -> list[str]:
    found = await events(runtime, "AlertDue")
    return sorted(data["user_id"] for _, data in found if data["lead"] == lead)


async def status_of(runtime: Runtime, listing_id: str) -> str:
    async with CatalogUoW(runtime) as uow:
        listing = await uow.listings.get(listing_id)
        assert listing is not None
        return listing.status
