"""Helpers for the sales tests: a business with listings of every kind, buyers, a shared
clock for catalog and sales, and the waiting-room steps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from stampede.compose import Platform
from stampede.sales.handlers import upkeep
from stampede.sales.handlers.engine import engine
from tests.catalog.support import Business, create, deal, kst, new_business
from tests.identity.support import User, new_user

SALES = "/api/sales"
PROBLEM = "application/problem+json"
OPEN = kst(11, 10, 30)  # inside the default deal window (March 11, 10:00–11:00 Seoul)


@dataclass
class Clock:
    """One settable time for catalog and sales."""

    at: datetime

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


def share_clock(platform: Platform, at: datetime) -> Clock:
    clock = Clock(at)
    for name in ("catalog", "sales"):
        platform.runtimes[name].clock = clock
    return clock


async def new_deal(
    api: httpx.AsyncClient, platform: Platform, business: Business | None = None, **changes: Any
) -> str:
    """A deal (default stock 100, limit 2, no waiting room) that sales knows about."""
    business = business or await new_business(api, platform)
    created = await create(api, business.auth, deal(**changes))
    await platform.settle()
    listing_id: str = created["id"]
    assert listing_id in engine(platform.runtimes["sales"]).sales
    return listing_id


async def buyers(api: httpx.AsyncClient, count: int) -> list[User]:
    return [await new_user(api) for _ in range(count)]


async def hold(
    api: httpx.AsyncClient, user: User, body: dict[str, Any], key: str | None = None
) -> httpx.Response:
    headers = dict(user.auth) | ({"Idempotency-Key": key} if key else {})
    return await api.post(f"{SALES}/holds", headers=headers, json=body)


async def admit(platform: Platform) -> None:
    """One admission tick of the background job, now."""
    await upkeep.admit_all(engine(platform.runtimes["sales"]))
