"""Refunds of a captured payment: partial and full, never more than was captured, once per key,
only by the order's seller or an admin; an unanswered refund waits for the reconciler, a
refused one gives its reservation back; ordering's refund of a cancelled order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from stampede.compose import Platform
from stampede.payment.handlers import reconcile_once
from tests.identity.support import User
from tests.payment.support import (
    PROVIDER_AUTH,
    STALE_S,
    clock_of,
    events,
    internal,
    knobs,
    paid,
    person,
    place,
    provider_order,
    provider_stats,
    read,
    refund,
    started,
)


@dataclass
class Sale:
    seller: User
    admin: User
    buyer: User
    payment: dict[str, Any]


async def sale(api: httpx.AsyncClient, platform: Platform, amount: int = 12_000) -> Sale:
    admin, seller = await person(platform, "admin"), await person(platform, "business")
    buyer = await person(platform)
    order = await place(platform, buyer, seller_id=seller.id, amount=amount)
    return Sale(seller, admin, buyer, await paid(api, platform, order))


async def test_partial_then_full_refunds_never_pass_the_capture(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    s = await sale(api, platform)
    pid = s.payment["payment_id"]
    first = await refund(api, s.seller, pid, 4_000, key="r1")
    assert first.status_code == 201, first.text
    assert first.json() | {"refund_id": None} == {
        "refund_id": None, "payment_id": pid, "status": "done", "refunded": 4_000,
        "refunded_total": 4_000, "captured": 12_000,
    }  # fmt: skip
    replay = await refund(api, s.seller, pid, 4_000, key="r1")
    assert replay.json() == first.json() and replay.headers["idempotent-replayed"] == "true"
    assert (await refund(api, s.seller, pid, 5_000, key="r1")).status_code == 422
    over = await refund(api, s.seller, pid, 9_000, key="r2")
    assert over.status_code == 409 and over.json()["type"].endswith("refund-exceeds-capture")
    assert over.json()["refundable"] == 8_000
    rest = await refund(api, s.seller, pid, key="r3")
    assert rest.status_code == 201 and rest.json()["refunded"] == 8_000
    assert rest.json()["refunded_total"] == 12_000
    nothing = await refund(api, s.seller, pid, key="r4")
    assert nothing.status_code == 409 and nothing.json()["type"].endswith("nothing-to-refund")
    keyless = await refund(api, s.seller, pid, 1, key=None)
    assert keyless.status_code == 400
    seen = (await read(api, s.buyer, pid)).json()
    assert seen["refunded_total"] == 12_000 and [r["amount"] for r in seen["refunds"]] == [
        4_000,
        8_000,
    ]
    await platform.settle()
    totals = [
        (e["refunded"], e["refunded_total"]) for e in await events(platform, "PaymentRefunded")
    ]
    assert totals == [(4_000, 4_000), (8_000, 12_000)]
    at_provider = await provider_order(platform, s.payment["tid"])
    assert (
        at_provider["status"] == "CANCEL_PAYMENT"
        and at_provider["canceled_amount"]["total"] == 12_000
    )


async def test_only_the_orders_seller_or_an_admin_refunds(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    s = await sale(api, platform)
    pid = s.payment["payment_id"]
    other = await person(platform, "business")
    by_buyer = await refund(api, s.buyer, pid, 1_000)
    assert by_buyer.status_code == 403 and by_buyer.json()["type"].endswith("role-required")
    assert (await refund(api, other, pid, 1_000)).status_code == 404
    assert (await refund(api, s.admin, pid, 1_000)).status_code == 201
    assert (await read(api, s.buyer, pid)).json()["refunded_total"] == 1_000


async def test_unanswered_refunds_wait_for_the_reconciler_and_never_cancel_twice(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    clock = clock_of(platform)
    s = await sale(api, platform)
    pid, seller = s.payment["payment_id"], s.seller
    await knobs(platform, lost_reply_rate=1.0, faults_on=["cancel"])
    lost = await refund(api, seller, pid, 3_000, key="lost")
    await knobs(platform, lost_reply_rate=0.0, timeout_rate=1.0)
    timed_out = await refund(api, seller, pid, 2_000, key="timed-out")
    for reply in (lost, timed_out, await refund(api, seller, pid, 3_000, key="lost")):
        assert reply.status_code == 503 and reply.json()["type"].endswith("refund-pending")
    assert (await read(api, seller, pid)).json()["refunded_total"] == 5_000  # both reserved
    await knobs(platform, timeout_rate=0.0)
    clock.advance(seconds=STALE_S)
    await reconcile_once(platform.runtimes["payment"])
    refunds = {r["amount"]: r["status"] for r in (await read(api, seller, pid)).json()["refunds"]}
    assert refunds == {3_000: "done", 2_000: "returned"}
    done = await refund(api, seller, pid, 3_000, key="lost")
    assert done.status_code == 201 and done.json()["refunded_total"] == 3_000
    retried = await refund(api, seller, pid, 2_000, key="timed-out")
    assert retried.status_code == 201 and retried.json()["refunded_total"] == 5_000
    assert (await provider_stats(platform))["canceled"] == 2
    assert (await provider_order(platform, s.payment["tid"]))["canceled_amount"]["total"] == 5_000


async def test_a_refused_refund_gives_its_reservation_back(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    s = await sale(api, platform)
    pid = s.payment["payment_id"]
    body = {"cid": "TC0ONETIME", "tid": s.payment["tid"], "cancel_amount": 10_000,
            "cancel_tax_free_amount": 0}  # fmt: skip
    outside = await platform.calls.request(  # cancelled at the provider, not through us
        "fakepg", "POST", "/v1/payment/cancel", json=body, headers=PROVIDER_AUTH
    )
    assert outside.status_code == 200
    refused = await refund(api, s.seller, pid, 5_000)
    assert refused.status_code == 409 and refused.json()["type"].endswith("provider-refused")
    seen = (await read(api, s.seller, pid)).json()
    assert seen["refunded_total"] == 0 and seen["refunds"][0]["status"] == "returned"
    assert (await refund(api, s.seller, pid, 2_000, key="r-2")).status_code == 201


async def test_ordering_refunds_a_cancelled_order_once(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    buyer = await person(platform)
    order = await place(platform, buyer, amount=30_000)
    found = await paid(api, platform, order)
    path = f"/internal/payment/orders/{order.order_id}/refund"
    first = await internal(
        platform, path, {"key": f"{order.order_id}:cancel", "reason": "order_cancelled"}
    )
    again = await internal(
        platform, path, {"key": f"{order.order_id}:cancel", "reason": "order_cancelled"}
    )
    assert first == again and first["refunded"] == 30_000 and first["captured"] == 30_000
    await platform.settle()
    [refunded] = await events(platform, "PaymentRefunded")
    assert refunded["reason"] == "order_cancelled" and refunded["payment_id"] == found["payment_id"]
    unpaid = await place(platform, buyer)
    await started(api, unpaid)
    nothing = await internal(
        platform, f"/internal/payment/orders/{unpaid.order_id}/refund", {"key": "k"}
    )
    assert nothing == {"refund_id": None, "refunded": 0, "refunded_total": 0, "captured": 0}
