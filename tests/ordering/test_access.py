"""Nobody but the parties touches an order: another buyer, and another business, can neither
read, pay, cancel, refund nor ship someone else's order or payment — they get 404 (or 403 for
a role they lack) and nothing changes; a buyer sees no sales history at all."""

from __future__ import annotations

from typing import Any

import httpx

from stampede.compose import Platform
from tests.catalog.support import new_business
from tests.identity.support import User, new_user
from tests.ordering.flows import PAYMENT, cancel, pay, staff, status_of
from tests.ordering.support import ORDERING, open_shop, placed, share_clock


async def _attempts(api: httpx.AsyncClient, who: User, order: dict[str, Any]) -> dict[str, int]:
    """What ``who`` gets for each thing one could do with the order and its payment."""
    order_id, payment_id = order["order_id"], order["payment_id"]
    token = {"pg_token": "stolen"}
    asks = {
        "read": api.get(f"{ORDERING}/orders/{order_id}", headers=who.auth),
        "cancel": cancel(api, who, order_id, key="take-over"),
        "start payment": api.post(
            f"{PAYMENT}/payments", headers=who.auth, json={"order_id": order_id}
        ),
        "read payment": api.get(f"{PAYMENT}/payments/{payment_id}", headers=who.auth),
        "order's payment": api.get(f"{PAYMENT}/orders/{order_id}/payment", headers=who.auth),
        "approve": api.post(
            f"{PAYMENT}/payments/{payment_id}/approve", headers=who.auth, json=token
        ),
        "refund": api.post(
            f"{PAYMENT}/payments/{payment_id}/refund",
            headers={**who.auth, "Idempotency-Key": "take-over"},
            json={},
        ),
        "my page": api.get(f"/api/mypage/orders/{order_id}", headers=who.auth),
        "ship": staff(api, who, f"/deliveries/{order['delivery_id']}/ship"),
    }
    return {what: (await ask).status_code for what, ask in asks.items()}


async def _paid_phone(
    api: httpx.AsyncClient, platform: Platform
) -> tuple[User, dict[str, Any], Any]:
    shop = await open_shop(api, platform)
    buyer = await new_user(api)
    made = await placed(api, buyer, shop, "device")
    payment = await pay(api, platform, buyer, made["order_id"])
    confirmed = await status_of(api, platform, buyer, made["order_id"])
    assert confirmed["status"] == "CONFIRMED", confirmed
    order = {
        **confirmed,
        "payment_id": payment["payment_id"],
        "delivery_id": confirmed["fulfilment"]["delivery_id"],
    }
    return buyer, order, shop


async def test_another_buyer_and_another_business_change_nothing(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform)
    buyer, order, shop = await _paid_phone(api, platform)
    stranger = await new_user(api)
    rival = await new_business(api, platform, shop.admin, name="경쟁사")
    as_buyer = await _attempts(api, stranger, order)
    as_rival = await _attempts(api, rival.user, order)
    assert as_buyer == {
        **dict.fromkeys(as_buyer, 404),
        "refund": 403,  # refunds are a seller's (or an admin's) act
        "ship": 403,
    }, as_buyer
    assert as_rival == dict.fromkeys(as_rival, 404), as_rival  # not their sale
    after = await status_of(api, platform, buyer, order["order_id"])
    assert after["status"] == "CONFIRMED" and after["refunded"] == 0
    money = await api.get(f"{PAYMENT}/payments/{order['payment_id']}", headers=buyer.auth)
    assert money.json()["refunded_total"] == 0 and money.json()["status"] == "approved"


async def test_sales_history_is_the_sellers_own_and_never_a_buyers(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform)
    buyer, order, shop = await _paid_phone(api, platform)
    rival = await new_business(api, platform, shop.admin, name="경쟁사")
    listing = {"listing_id": order["listing_id"]}
    refused = await api.get(f"{ORDERING}/sales", headers=buyer.auth, params=listing)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    theirs = await api.get(f"{ORDERING}/sales", headers=rival.auth, params=listing)
    assert theirs.status_code == 200 and theirs.json()["listings"] == [], theirs.text
    own = await api.get(f"{ORDERING}/sales", headers=shop.seller.auth, params=listing)
    [row] = own.json()["listings"]
    assert row["listing_id"] == order["listing_id"] and row["revenue"] == order["amount"]
