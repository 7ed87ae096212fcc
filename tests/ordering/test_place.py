"""A hold becomes an order: priced from the catalog, owned by its buyer, once per hold and per
Idempotency-Key; a body that does not fit costs the buyer nothing; an ordered hold stops
expiring."""

from __future__ import annotations

import httpx
import pytest

from stampede.compose import Platform
from stampede.sales.handlers import upkeep
from stampede.sales.handlers.engine import engine
from tests.identity.support import new_user
from tests.ordering.support import ADDRESS, held, open_shop, order, placed, read, share_clock
from tests.sales.support import SALES

PRICES = {"deal": 19900 * 2, "performance": 150000 * 2, "device": 1155000, "car": 55000 * 3}


@pytest.mark.parametrize("kind", list(PRICES))
async def test_a_hold_becomes_an_order_awaiting_payment_at_the_catalog_price(
    api: httpx.AsyncClient, platform: Platform, kind: str
) -> None:
    share_clock(platform)
    shop = await open_shop(api, platform)
    buyer = await new_user(api)
    made = await placed(api, buyer, shop, kind)
    assert made["status"] == "PENDING_PAYMENT" and made["amount"] == PRICES[kind]
    assert made["listing_kind"] == kind
    seen = (await read(api, buyer, made["order_id"])).json()
    assert seen["saga"][0]["step"] == "take_hold" and seen["saga"][0]["state"] == "done"


async def test_goods_need_an_address_and_a_refused_order_keeps_the_hold(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform)
    shop = await open_shop(api, platform)
    buyer = await new_user(api)
    hold_id = await held(api, buyer, shop, "deal")
    refused = await order(api, buyer, hold_id)
    assert refused.status_code == 422 and refused.json()["type"].endswith("address-required")
    hold = await api.get(f"{SALES}/holds/{hold_id}", headers=buyer.auth)
    assert hold.json()["state"] == "live"
    assert (await order(api, buyer, hold_id, **ADDRESS)).status_code == 201


async def test_nobody_orders_someone_elses_hold(api: httpx.AsyncClient, platform: Platform) -> None:
    share_clock(platform)
    shop = await open_shop(api, platform)
    owner, other = await new_user(api), await new_user(api)
    hold_id = await held(api, owner, shop, "performance")
    stolen = await order(api, other, hold_id)
    assert stolen.status_code == 404
    assert (await order(api, owner, hold_id)).status_code == 201


async def test_one_order_per_hold_and_a_key_replays_it(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform)
    shop = await open_shop(api, platform)
    buyer = await new_user(api)
    hold_id = await held(api, buyer, shop, "performance")
    first = await order(api, buyer, hold_id, key="k-1")
    again = await order(api, buyer, hold_id, key="k-1")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    other_body = await order(api, buyer, hold_id, key="k-1", shipping_address="x")
    assert other_body.status_code == 422
    twice = await order(api, buyer, hold_id)
    assert twice.status_code == 409 and twice.json()["type"].endswith("order-exists")


async def test_an_ordered_hold_no_longer_expires_and_the_buyer_cannot_drop_it(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    clock = share_clock(platform)
    shop = await open_shop(api, platform)
    buyer = await new_user(api)
    made = await placed(api, buyer, shop, "device")
    clock.advance(seconds=platform.settings.hold_ttl_s + 5)
    await upkeep.sweep(engine(platform.runtimes["sales"]))
    hold = (await api.get(f"{SALES}/holds/{made['hold_id']}", headers=buyer.auth)).json()
    assert hold["state"] == "live"
    dropped = await api.delete(f"{SALES}/holds/{made['hold_id']}", headers=buyer.auth)
    assert dropped.status_code == 409
    assert (await read(api, buyer, made["order_id"])).json()["status"] == "PENDING_PAYMENT"
