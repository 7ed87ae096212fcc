"""Who may do what with a payment: only its buyer starts, approves or gives it up; the buyer,
the order's seller and admins see it; everyone else gets a 404, as if it did not exist. And
only an order awaiting payment, in time, with no live payment, can be paid."""

from __future__ import annotations

import asyncio

import httpx

from stampede.compose import Platform
from tests.payment.support import (
    PAYMENT,
    approve,
    knobs,
    move,
    person,
    place,
    read,
    start,
    started,
)


async def test_only_the_buyer_pays_and_only_the_parties_see(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    buyer, seller, stranger = await person(platform), await person(platform), await person(platform)
    admin = await person(platform, "admin")
    order = await place(platform, buyer, seller_id=seller.id)
    assert (await start(api, stranger, order.order_id)).status_code == 404
    found = await started(api, order)
    paths = [f"/payments/{found['payment_id']}", f"/payments/{found['payment_id']}/qr.svg",
             f"/orders/{order.order_id}/payment"]  # fmt: skip
    for path in paths:
        hidden = await api.get(PAYMENT + path, headers=stranger.auth)
        assert hidden.status_code == 404, path
        assert hidden.headers["content-type"] == "application/problem+json"
        for party in (buyer, seller, admin):
            assert (await api.get(PAYMENT + path, headers=party.auth)).status_code == 200, path
    taken = await approve(api, stranger, found["payment_id"], "token")
    assert taken.status_code == 404
    cancel = f"{PAYMENT}/payments/{found['payment_id']}/cancel"
    assert (await api.post(cancel, headers=stranger.auth)).status_code == 404
    assert (await read(api, buyer, found["payment_id"])).json()["status"] == "ready"
    assert (await api.get(PAYMENT + paths[0])).status_code == 401


async def test_only_an_order_awaiting_payment_in_time_is_paid_once(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    buyer = await person(platform)
    late = await place(platform, buyer, due_in_s=-1)
    overdue = await start(api, buyer, late.order_id)
    assert overdue.status_code == 409 and overdue.json()["type"].endswith("payment-overdue")
    cancelled = await place(platform, buyer)
    await move(platform, cancelled, "CANCELLED", seq=1)
    closed = await start(api, buyer, cancelled.order_id)
    assert closed.status_code == 409 and closed.json()["type"].endswith("order-not-payable")
    order = await place(platform, buyer)
    await started(api, order)
    second = await start(api, buyer, order.order_id)
    assert second.status_code == 409 and second.json()["type"].endswith("payment-exists")
    unknown = await start(api, buyer, "00000000-0000-4000-8000-000000000000")
    assert unknown.status_code == 404 and unknown.json()["type"].endswith("no-order")
    extra = await api.post(
        f"{PAYMENT}/payments", headers=buyer.auth, json={"order_id": order.order_id, "x": 1}
    )
    assert extra.status_code == 422


async def test_starts_at_once_make_one_live_payment(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    buyer = await person(platform)
    order = await place(platform, buyer)
    await knobs(platform, latency_ms=200)  # each start passes the first check before any writes
    replies = await asyncio.gather(*(start(api, buyer, order.order_id, f"k{n}") for n in range(3)))
    assert sorted(r.status_code for r in replies) == [201, 409, 409]
    assert all(r.json()["type"].endswith("payment-exists") for r in replies if r.status_code == 409)
