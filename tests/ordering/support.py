"""Helpers for the ordering tests: a seller with a listing of each kind, buyers with holds,
orders placed through the public API, one clock for every context but identity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx

from stampede.compose import Platform
from tests.catalog.support import (
    Business,
    car,
    create,
    deal,
    device,
    events,
    new_business,
    new_shop,
    performance,
)
from tests.identity.support import User, new_admin, new_user
from tests.sales.support import OPEN, Clock, hold

ORDERING = "/api/ordering"
TIMED = ("catalog", "sales", "ordering", "payment", "fulfilment", "mypage", "notification")
RENTAL = {"start_date": str(date(2025, 3, 20)), "end_date": str(date(2025, 3, 23))}


def share_clock(platform: Platform) -> Clock:
    clock = Clock(OPEN)
    for name in TIMED:
        platform.runtimes[name].clock = clock
    return clock


@dataclass
class Shop:
    """A business with a deal, a performance, a phone at a shop, and an admin's car."""

    seller: Business
    admin: User
    deal_id: str
    performance_id: str
    seat_ids: list[str]
    device_id: str
    shop_id: str
    car_id: str


async def open_shop(api: httpx.AsyncClient, platform: Platform) -> Shop:
    admin = await new_admin(api, platform)
    seller = await new_business(api, platform, admin)
    shop_id = await new_shop(api, seller.auth)
    deal_id = (await create(api, seller.auth, deal(stock=20, per_user_limit=5)))["id"]
    show = (await create(api, seller.auth, performance(waiting_room=False)))["id"]
    phone = (await create(api, seller.auth, device(shop_id, "SN-A1", "SN-A2")))["id"]
    car_id = (await create(api, admin.auth, car()))["id"]
    await platform.settle()
    seats = [s["seat_id"] for s in (await events(platform, "SeatsSet"))[0]["seats"]]
    return Shop(seller, admin, deal_id, show, seats, phone, shop_id, car_id)


def hold_body(shop: Shop, kind: str) -> dict[str, Any]:
    bodies: dict[str, dict[str, Any]] = {
        "deal": {"listing_id": shop.deal_id, "quantity": 2},
        "performance": {"listing_id": shop.performance_id, "seat_ids": shop.seat_ids[:2]},
        "device": {"listing_id": shop.device_id, "shop_id": shop.shop_id},
        "car": {"listing_id": shop.car_id, **RENTAL},
    }
    return bodies[kind]


async def held(api: httpx.AsyncClient, buyer: User, shop: Shop, kind: str) -> str:
    reply = await hold(api, buyer, hold_body(shop, kind))
    assert reply.status_code == 201, reply.text
    hold_id: str = reply.json()["hold_id"]
    return hold_id


ADDRESS = {"shipping_address": "서울 마포구 월드컵로 1"}


async def order(
    api: httpx.AsyncClient, buyer: User, hold_id: str, key: str | None = None, **body: Any
) -> httpx.Response:
    headers = dict(buyer.auth) | ({"Idempotency-Key": key} if key else {})
    return await api.post(f"{ORDERING}/orders", headers=headers, json={"hold_id": hold_id, **body})


async def placed(api: httpx.AsyncClient, buyer: User, shop: Shop, kind: str) -> dict[str, Any]:
    """An order (PENDING_PAYMENT) for a fresh hold of ``kind``."""
    extra = ADDRESS if kind in ("deal", "device") else {}
    reply = await order(api, buyer, await held(api, buyer, shop, kind), **extra)
    assert reply.status_code == 201, reply.text
    body: dict[str, Any] = reply.json()
    return body


async def read(api: httpx.AsyncClient, user: User, order_id: str) -> httpx.Response:
    return await api.get(f"{ORDERING}/orders/{order_id}", headers=user.auth)


__all__ = ["Clock", "new_user"]
