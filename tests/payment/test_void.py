"""Ordering voids an order's payment: a ready one is voided and can never be approved, nor a
new one started; one whose approval is with the provider is a 409 until it settles; an
approved one says so. Repeating a void gives the same answer."""

from __future__ import annotations

import httpx
import pytest

from stampede.compose import Platform
from stampede.kernel.errors import Conflict
from stampede.kernel.sqltypes import new_id
from stampede.ordering.contracts import OrderPlaced
from tests.payment.support import (
    approvals_done,
    approve,
    events,
    internal,
    knobs,
    person,
    place,
    provider_order,
    publish,
    start,
    started,
    token_of,
)


def void_path(order_id: str) -> str:
    return f"/internal/payment/orders/{order_id}/void"


async def test_a_voided_order_is_never_paid_even_when_the_void_came_first(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    buyer = await person(platform)
    order = await place(platform, buyer)
    found = await started(api, order)
    token = await token_of(platform, found)
    answer = await internal(platform, void_path(order.order_id))
    assert answer == {"state": "voided", "payment_id": found["payment_id"], "captured": 0}
    assert await internal(platform, void_path(order.order_id)) == answer
    late = await approve(api, buyer, found["payment_id"], token, "sync")
    assert late.status_code == 409 and late.json()["type"].endswith("payment-ended")
    again = await start(api, buyer, order.order_id)
    assert again.status_code == 409 and again.json()["type"].endswith("order-not-payable")
    await platform.settle()
    assert [e["reason"] for e in await events(platform, "PaymentFailed")] == ["voided"]
    assert (await provider_order(platform, found["tid"]))["status"] == "CANCEL_PAYMENT"
    order_id = new_id()  # a void may come before the order is known: it still holds
    answer = await internal(platform, void_path(order_id))
    assert answer == {"state": "voided", "payment_id": None, "captured": 0}
    now = platform.runtimes["payment"].now()
    placed = OrderPlaced(
        order_id=order_id, user_id=buyer.id, seller_id=None, company_id=None,
        listing_id=new_id(), listing_kind="deal", kind="stock", title="늦은 주문", amount=1_000,
        hold_id=new_id(), payment_due_at=now.replace(year=now.year + 1), at=now,
    )  # fmt: skip
    await publish(platform, placed)
    assert (await start(api, buyer, order_id)).status_code == 409


async def test_a_void_waits_for_an_approval_in_flight(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    buyer = await person(platform)
    order = await place(platform, buyer, amount=7_000)
    found = await started(api, order)
    token = await token_of(platform, found)
    await knobs(platform, latency_ms=300)
    assert (await approve(api, buyer, found["payment_id"], token)).status_code == 202
    with pytest.raises(Conflict) as refused:
        await internal(platform, void_path(order.order_id))
    assert refused.value.slug == "approval-in-flight"
    await approvals_done(platform)
    answer = await internal(platform, void_path(order.order_id))
    assert answer == {"state": "approved", "payment_id": found["payment_id"], "captured": 7_000}
