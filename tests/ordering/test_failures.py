"""A failure at every saga step — a declined card, a buyer who never pays, a provider that
times out or loses its reply, fulfilment down — ends every saga in a final state (CONFIRMED or
CANCELLED, no step left pending) with no double charge and captured − refunded equal to the
totals of the confirmed orders."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from stampede.compose import Platform
from stampede.fakepg.buyer import PageRefused, approve_at_page, pg_token
from stampede.payment.handlers import reconcile_once
from tests.identity.support import User, new_user
from tests.ordering.flows import PAYMENT, pay, settle, status_of
from tests.ordering.support import open_shop, placed, share_clock
from tests.sales.support import Clock, hold


async def _knobs(platform: Platform, **changes: Any) -> None:
    key = platform.settings.payment_provider_key
    headers = {"authorization": f"SECRET_KEY {key}"}
    reply = await platform.calls.request(
        "fakepg", "PUT", "/admin/knobs", json=changes, headers=headers
    )
    assert reply.status_code == 200, reply.text


async def _approvals(platform: Platform) -> int:
    key = platform.settings.payment_provider_key
    reply = await platform.calls.request(
        "fakepg", "GET", "/admin/stats", headers={"authorization": f"SECRET_KEY {key}"}
    )
    approved: int = reply.json()["approved"]
    return approved


async def _try_to_pay(
    api: httpx.AsyncClient, platform: Platform, buyer: User, order_id: str
) -> httpx.Response:
    started = await api.post(f"{PAYMENT}/payments", headers=buyer.auth, json={"order_id": order_id})
    assert started.status_code == 201, started.text
    payment = started.json()
    [callback] = await approve_at_page(platform.calls.client("fakepg"), payment["redirect_url"])
    path = f"{PAYMENT}/payments/{payment['payment_id']}/approve?mode=sync"
    return await api.post(path, headers=buyer.auth, json={"pg_token": pg_token(callback)})


async def _books_balance(
    api: httpx.AsyncClient, platform: Platform, orders: list[tuple[User, str]]
) -> None:
    """Every saga final, nothing pending, money right for each order and in total."""
    confirmed_total, net_total, captured_orders = 0, 0, 0
    for buyer, order_id in orders:
        order = await status_of(api, platform, buyer, order_id)
        assert order["status"] in ("CONFIRMED", "CANCELLED"), order
        assert all(step["state"] != "pending" for step in order["saga"]), order["saga"]
        money = await api.get(f"{PAYMENT}/orders/{order_id}/payment", headers=buyer.auth)
        net = (
            0
            if money.status_code == 404
            else money.json()["captured"] - money.json()["refunded_total"]
        )
        assert net == (order["amount"] if order["status"] == "CONFIRMED" else 0), (
            order,
            money.text,
        )
        confirmed_total += order["amount"] if order["status"] == "CONFIRMED" else 0
        net_total += net
        captured_orders += money.status_code == 200 and money.json()["captured"] > 0
    assert net_total == confirmed_total
    assert await _approvals(platform) == captured_orders  # at most one capture per order


async def test_a_declined_payment_cancels_the_order_and_frees_the_goods(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform)
    shop = await open_shop(api, platform)
    buyer, other = await new_user(api), await new_user(api)
    made = await placed(api, buyer, shop, "performance")
    await _knobs(platform, decline_rate=1.0)
    declined = await _try_to_pay(api, platform, buyer, made["order_id"])
    assert declined.json()["status"] == "failed", declined.text
    order = await status_of(api, platform, buyer, made["order_id"])
    assert order["status"] == "CANCELLED" and order["reason"] == "payment_declined"
    seats = {"listing_id": shop.performance_id, "seat_ids": made["seat_ids"]}
    assert (await hold(api, other, seats)).status_code == 201
    await _books_balance(api, platform, [(buyer, made["order_id"])])


async def test_a_buyer_who_never_pays_loses_the_order_when_payment_is_due(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    clock = share_clock(platform)
    shop = await open_shop(api, platform)
    buyer = await new_user(api)
    unpaid = await placed(api, buyer, shop, "deal")
    started = await api.post(
        f"{PAYMENT}/payments", headers=buyer.auth, json={"order_id": unpaid["order_id"]}
    )
    assert started.status_code == 201
    clock.advance(seconds=platform.settings.payment_due_s + 1)
    order = await status_of(api, platform, buyer, unpaid["order_id"])
    assert order["status"] == "CANCELLED" and order["reason"] == "payment_timeout"
    with pytest.raises(PageRefused):  # the payment was voided at the provider
        await approve_at_page(platform.calls.client("fakepg"), started.json()["redirect_url"])
    await _books_balance(api, platform, [(buyer, unpaid["order_id"])])


async def _stuck_then_reconciled(
    api: httpx.AsyncClient, platform: Platform, clock: Clock, fault: str
) -> tuple[User, str]:
    shop = await open_shop(api, platform)
    buyer = await new_user(api)
    made = await placed(api, buyer, shop, "device")
    await _knobs(platform, **{fault: 1.0}, faults_on=["approve"])
    stuck = await _try_to_pay(api, platform, buyer, made["order_id"])
    assert stuck.json()["status"] == "approving", stuck.text
    assert (await status_of(api, platform, buyer, made["order_id"]))["status"] == "PENDING_PAYMENT"
    await _knobs(platform, **{fault: 0.0})
    clock.advance(seconds=platform.settings.payment_stale_s + 2 * platform.settings.call_timeout_s)
    await reconcile_once(platform.runtimes["payment"])
    return buyer, made["order_id"]


async def test_a_provider_timeout_then_reconciliation_confirms_once(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    clock = share_clock(platform)
    buyer, order_id = await _stuck_then_reconciled(api, platform, clock, "timeout_rate")
    assert (await status_of(api, platform, buyer, order_id))["status"] == "CONFIRMED"
    await _books_balance(api, platform, [(buyer, order_id)])


async def test_a_lost_reply_then_reconciliation_confirms_once(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    clock = share_clock(platform)
    buyer, order_id = await _stuck_then_reconciled(api, platform, clock, "lost_reply_rate")
    assert (await status_of(api, platform, buyer, order_id))["status"] == "CONFIRMED"
    await _books_balance(api, platform, [(buyer, order_id)])


async def _down(scope: Scope, receive: Receive, send: Send) -> None:
    """A context that answers 503 to everything (down or overloaded)."""
    await send({"type": "http.response.start", "status": 503, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def test_with_fulfilment_down_a_paid_order_is_kept_and_arranged_when_it_is_back(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    clock = share_clock(platform)
    shop = await open_shop(api, platform)
    buyer = await new_user(api)
    made = await placed(api, buyer, shop, "device")
    fulfilment = platform.apps["fulfilment"]
    working = fulfilment.middleware_stack or fulfilment.build_middleware_stack()
    fulfilment.middleware_stack = _down  # every call to fulfilment now gets 503
    await pay(api, platform, buyer, made["order_id"])
    waiting = await status_of(api, platform, buyer, made["order_id"])
    arrange = next(s for s in waiting["saga"] if s["step"] == "arrange")
    assert (
        waiting["status"] == "PAID" and arrange["state"] == "pending" and arrange["attempts"] >= 1
    )
    fulfilment.middleware_stack = working
    clock.advance(seconds=120)
    await settle(platform)
    assert (await status_of(api, platform, buyer, made["order_id"]))["status"] == "CONFIRMED"
    await _books_balance(api, platform, [(buyer, made["order_id"])])


async def test_many_orders_with_every_fault_mixed_all_end_final_and_balance(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    clock = share_clock(platform)
    shop = await open_shop(api, platform)
    orders: list[tuple[User, str]] = []
    for fault in ("decline_rate", "timeout_rate", "lost_reply_rate", None, None):
        buyer = await new_user(api)
        made = await placed(api, buyer, shop, "deal")
        await _knobs(platform, decline_rate=0.0, timeout_rate=0.0, lost_reply_rate=0.0)
        if fault:
            await _knobs(platform, **{fault: 1.0}, faults_on=["approve"])
        await _try_to_pay(api, platform, buyer, made["order_id"])
        orders.append((buyer, made["order_id"]))
    await _knobs(platform, decline_rate=0.0, timeout_rate=0.0, lost_reply_rate=0.0)
    clock.advance(seconds=platform.settings.payment_stale_s + 2 * platform.settings.call_timeout_s)
    await reconcile_once(platform.runtimes["payment"])
    buyer, last = orders[-1]
    assert (
        await api.post(f"/api/ordering/orders/{last}/cancel", headers=buyer.auth)
    ).status_code == 200
    clock.advance(seconds=platform.settings.payment_due_s + 1)
    await _books_balance(api, platform, orders)
