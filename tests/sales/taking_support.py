"""Helpers for the tests of an order taking a hold: ordering's signed calls to sales' internal
routes, one listing of every kind, and what the record and the inventory say of one hold."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from stampede.compose import Platform
from stampede.kernel.internal import HEADER, service_token
from stampede.kernel.outbox import OutboxRow
from stampede.sales.handlers.engine import Engine, engine
from stampede.sales.store import Recorded, SalesUoW
from tests.catalog.support import car, create, deal, device, events, new_business, new_shop
from tests.catalog.support import performance as show
from tests.identity.support import User, new_admin

HOLDS = "/internal/sales/holds"
KINDS = ("stock", "seats", "unit", "dates")


def signed(platform: Platform, caller: str = "ordering") -> dict[str, str]:
    return {HEADER: service_token(platform.settings.secret_key, caller)}


async def internal(
    platform: Platform, path: str, body: Any, headers: dict[str, str] | None = None
) -> httpx.Response:
    """A POST to sales' own app (not through the gateway), signed as ordering by default."""
    transport = httpx.ASGITransport(app=platform.apps["sales"])
    async with httpx.AsyncClient(transport=transport, base_url="http://sales") as client:
        sent = signed(platform) if headers is None else headers
        return await client.post(path, json=body, headers=sent)


async def take(
    platform: Platform, hold_id: str, user: User, order_id: str | None = None
) -> httpx.Response:
    body = {"order_id": order_id or str(uuid.uuid4()), "user_id": user.id}
    return await internal(platform, f"{HOLDS}/{hold_id}/take", body)


async def give_back(platform: Platform, hold_id: str, order_id: str) -> httpx.Response:
    return await internal(platform, f"{HOLDS}/{hold_id}/give-back", {"order_id": order_id})


@dataclass
class Goods:
    """One listing of every kind, and the hold body that asks for a piece of each."""

    bodies: dict[str, dict[str, Any]]
    shop_id: str

    def listing(self, kind: str) -> str:
        listing_id: str = self.bodies[kind]["listing_id"]
        return listing_id


async def goods(api: httpx.AsyncClient, platform: Platform) -> Goods:
    """A deal of 5, a performance, a phone with two units at a shop, and an admin's car."""
    admin = await new_admin(api, platform)
    seller = await new_business(api, platform, admin)
    shop_id = await new_shop(api, seller.auth)
    made = {
        "stock": await create(api, seller.auth, deal(stock=5, per_user_limit=5)),
        "seats": await create(api, seller.auth, show(waiting_room=False)),
        "unit": await create(api, seller.auth, device(shop_id, "SN-T1", "SN-T2")),
        "dates": await create(api, admin.auth, car()),
    }
    await platform.settle()
    seats = [seat["seat_id"] for seat in (await events(platform, "SeatsSet"))[0]["seats"]]
    ids = {kind: listing["id"] for kind, listing in made.items()}
    bodies = {
        "stock": {"listing_id": ids["stock"], "quantity": 2},
        "seats": {"listing_id": ids["seats"], "seat_ids": seats[:2]},
        "unit": {"listing_id": ids["unit"], "shop_id": shop_id},
        "dates": {"listing_id": ids["dates"], "start_date": "2025-03-20", "end_date": "2025-03-23"},
    }
    return Goods(bodies, shop_id)


def sales(platform: Platform) -> Engine:
    return engine(platform.runtimes["sales"])


async def recorded(platform: Platform, hold_id: str) -> Recorded:
    async with SalesUoW(platform.runtimes["sales"]) as uow:
        found = await uow.records.get(hold_id)
    assert found is not None
    return found


async def in_inventory(platform: Platform, listing_id: str, hold_id: str) -> int | None:
    """The hold's expiry in the inventory, or None when the inventory does not hold it."""
    for hold in await sales(platform).inventory.live_holds(listing_id):
        if hold.hold_id == hold_id:
            return hold.expires_ms
    return None


async def outbox(platform: Platform, event_type: str) -> list[dict[str, Any]]:
    """The data of every sales outbox row of this type."""
    async with platform.runtimes["sales"].db.sessions() as session:
        rows = await session.scalars(select(OutboxRow).where(OutboxRow.type == event_type))
        return [row.data for row in rows]
