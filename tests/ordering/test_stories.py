"""The four stories end to end in one process: a phone shipped and delivered (and one
cancelled, the phone free again), a car reserved, paid, picked up and returned with its status
following (and a paid rental cancelled), seats turned into QR tickets checked in once, and a
deal paid and refunded — each visible on my page."""

from __future__ import annotations

import httpx

from stampede.compose import Platform
from tests.fulfilment.support import code_of
from tests.identity.support import new_user
from tests.ordering.flows import cancel, my_order, pay, staff, status_of
from tests.ordering.support import held, open_shop, placed, share_clock
from tests.sales.support import hold


async def test_a_phone_is_ordered_at_a_shop_shipped_and_delivered(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform)
    shop = await open_shop(api, platform)
    buyer = await new_user(api)
    made = await placed(api, buyer, shop, "device")
    await pay(api, platform, buyer, made["order_id"])
    confirmed = await status_of(api, platform, buyer, made["order_id"])
    assert confirmed["status"] == "CONFIRMED" and confirmed["paid"] == made["amount"]
    delivery_id = confirmed["fulfilment"]["delivery_id"]
    assert (await staff(api, buyer, f"/deliveries/{delivery_id}/ship")).status_code == 403
    assert (
        await staff(api, shop.seller.user, f"/deliveries/{delivery_id}/ship")
    ).status_code == 200
    assert (await status_of(api, platform, buyer, made["order_id"]))["status"] == "SHIPPED"
    assert (await cancel(api, buyer, made["order_id"])).status_code == 409
    assert (
        await staff(api, shop.seller.user, f"/deliveries/{delivery_id}/deliver")
    ).status_code == 200
    assert (await status_of(api, platform, buyer, made["order_id"]))["status"] == "COMPLETED"
    page = await my_order(api, buyer, made["order_id"])
    assert page["status"] == "COMPLETED" and len(page["timeline"]) >= 5


async def test_a_cancelled_phone_order_is_refunded_and_the_phone_available_again(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform)
    shop = await open_shop(api, platform)
    buyer, next_buyer = await new_user(api), await new_user(api)
    first = await placed(api, buyer, shop, "device")
    second = await placed(api, buyer, shop, "device")
    await pay(api, platform, buyer, first["order_id"])
    assert (await status_of(api, platform, buyer, first["order_id"]))["status"] == "CONFIRMED"
    body = {"listing_id": shop.device_id, "shop_id": shop.shop_id}
    assert (await hold(api, next_buyer, body)).status_code == 409  # both phones are ordered
    cancelled = await cancel(api, buyer, first["order_id"], key="c-1")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "CANCELLED"
    done = await status_of(api, platform, buyer, first["order_id"])
    assert done["refunded"] == done["paid"] == first["amount"]
    assert [s["state"] for s in done["saga"] if s["step"] in ("refund", "give_back")] == [
        "done"
    ] * 2
    again = await hold(api, next_buyer, body)
    assert again.status_code == 201 and again.json()["unit_id"] == first["unit_id"]
    assert second["status"] == "PENDING_PAYMENT"


async def _car_status(api: httpx.AsyncClient, car_id: str) -> str:
    found = await api.get(f"/api/catalog/listings/{car_id}")
    status: str = found.json()["car"]["car_status"]
    return status


async def test_a_car_is_reserved_paid_picked_up_and_returned_and_its_status_follows(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform)
    shop = await open_shop(api, platform)
    buyer = await new_user(api)
    made = await placed(api, buyer, shop, "car")
    order_id = made["order_id"]
    assert (await status_of(api, platform, buyer, order_id))["status"] == "PENDING_PAYMENT"
    assert await _car_status(api, shop.car_id) == "reserved"
    await pay(api, platform, buyer, order_id)
    rental_id = (await status_of(api, platform, buyer, order_id))["fulfilment"]["rental_id"]
    assert (await staff(api, shop.admin, f"/rentals/{rental_id}/pickup")).status_code == 200
    assert (await status_of(api, platform, buyer, order_id))["status"] == "RENTED"
    assert await _car_status(api, shop.car_id) == "rented"
    assert (await staff(api, shop.admin, f"/rentals/{rental_id}/return")).status_code == 200
    assert (await status_of(api, platform, buyer, order_id))["status"] == "COMPLETED"
    assert await _car_status(api, shop.car_id) == "available"


async def test_cancelling_a_paid_rental_cancels_it_refunds_and_frees_the_car(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform)
    shop = await open_shop(api, platform)
    buyer, other = await new_user(api), await new_user(api)
    made = await placed(api, buyer, shop, "car")
    await pay(api, platform, buyer, made["order_id"])
    rental_id = (await status_of(api, platform, buyer, made["order_id"]))["fulfilment"]["rental_id"]
    assert (await cancel(api, buyer, made["order_id"])).status_code == 200
    done = await status_of(api, platform, buyer, made["order_id"])
    assert done["status"] == "CANCELLED" and done["refunded"] == done["paid"] > 0
    rental = await api.get(f"/api/fulfilment/rentals/{rental_id}", headers=shop.admin.auth)
    assert rental.json()["state"] == "cancelled"
    assert await _car_status(api, shop.car_id) == "available"
    assert await held(api, other, shop, "car")


async def test_seats_become_qr_tickets_checked_in_once(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform)
    shop = await open_shop(api, platform)
    buyer = await new_user(api)
    made = await placed(api, buyer, shop, "performance")
    await pay(api, platform, buyer, made["order_id"])
    found = await status_of(api, platform, buyer, made["order_id"])
    first, second = found["fulfilment"]["ticket_ids"]
    ticket = await api.get(f"/api/fulfilment/tickets/{first}", headers=buyer.auth)
    assert ticket.status_code == 200 and ticket.json()["qr_svg_url"]
    qr = await api.get(ticket.json()["qr_svg_url"], headers=buyer.auth)
    assert qr.status_code == 200 and qr.content.lstrip().startswith(b"<")
    body = {"code": await code_of(platform, first)}
    checked = await staff(api, shop.seller.user, f"/tickets/{first}/checkin", body)
    assert checked.status_code == 200
    again = await staff(api, shop.seller.user, f"/tickets/{first}/checkin", body)
    assert again.status_code == 409
    assert (await status_of(api, platform, buyer, made["order_id"]))["status"] == "COMPLETED"
    assert (await cancel(api, buyer, made["order_id"])).status_code == 409
    assert second != first


async def test_a_deal_is_paid_then_refunded_and_the_stock_returns(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform)
    shop = await open_shop(api, platform)
    buyer = await new_user(api)
    made = await placed(api, buyer, shop, "deal")
    payment = await pay(api, platform, buyer, made["order_id"])
    assert (await status_of(api, platform, buyer, made["order_id"]))["status"] == "CONFIRMED"
    assert (await cancel(api, buyer, made["order_id"], key="c-1")).status_code == 200
    replay = await cancel(api, buyer, made["order_id"], key="c-1")
    assert replay.headers.get("Idempotent-Replayed") == "true"
    done = await status_of(api, platform, buyer, made["order_id"])
    assert done["refunded"] == done["paid"] == made["amount"]
    money = await api.get(f"/api/payment/payments/{payment['payment_id']}", headers=buyer.auth)
    assert money.json()["captured"] == money.json()["refunded_total"] == made["amount"]
    page = await my_order(api, buyer, made["order_id"])
    assert page["status"] == "CANCELLED"
    sales = await api.get("/api/ordering/sales", headers=shop.seller.auth)
    row = next(r for r in sales.json()["listings"] if r["listing_id"] == shop.deal_id)
    assert row["cancelled"] == 1 and row["revenue"] == 0 and row["refunded"] == made["amount"]
