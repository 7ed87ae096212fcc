"""Paying an order end to end on the embedded platform with the in-process fake provider:
ready → the buyer approves at the provider's page → approve → approved (async and sync), a
decline, a duplicate callback, the buyer giving up, and an order placed through ordering."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import sqlalchemy as sa

from stampede.compose import Platform, build
from stampede.fakepg.buyer import cancel_at_page, pg_token
from stampede.kernel.settings import Settings
from stampede.payment.store.tables import orders, payments
from tests.identity.support import new_user
from tests.ordering.support import open_shop, share_clock
from tests.ordering.support import placed as ordering_placed
from tests.ordering.support import read as read_order
from tests.payment.conftest import TEST_SETTINGS
from tests.payment.support import (
    PAYMENT,
    Order,
    approvals_done,
    approve,
    at_page,
    events,
    knobs,
    payment,
    person,
    place,
    provider_order,
    provider_stats,
    read,
    start,
    started,
    token_of,
)


async def test_approval_captures_the_order_amount_async_and_sync(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    buyer = await person(platform)
    order = await place(platform, buyer, amount=15_000)
    found = await started(api, order)
    assert found["status"] == "ready" and found["amount"] == 15_000 and found["tid"]
    qr = await api.get(found["qr_url"], headers=buyer.auth)
    assert qr.headers["content-type"] == "image/svg+xml" and b"<svg" in qr.content
    [ready] = await events(platform, "PaymentReady")
    assert ready["tid"] == found["tid"] and ready["user_id"] == buyer.id
    token = await token_of(platform, found)
    reply = await approve(api, buyer, found["payment_id"], token)
    assert reply.status_code == 202 and reply.json()["status"] == "approving"
    await approvals_done(platform)
    now = (await read(api, buyer, found["payment_id"])).json()
    assert now["status"] == "approved" and now["captured"] == 15_000 and now["refunds"] == []
    [approved] = await events(platform, "PaymentApproved")
    assert approved["captured"] == 15_000 and approved["order_id"] == order.order_id
    assert (await provider_order(platform, found["tid"]))["status"] == "SUCCESS_PAYMENT"
    other = await started(api, await place(platform, buyer, amount=9_900))
    reply = await approve(api, buyer, other["payment_id"], await token_of(platform, other), "sync")
    assert reply.status_code == 200, reply.text  # sync: the outcome in the answer
    assert reply.json()["status"] == "approved" and reply.json()["captured"] == 9_900


async def test_a_declined_approval_fails_and_the_order_may_be_paid_again(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    buyer = await person(platform)
    order = await place(platform, buyer)
    found = await started(api, order)
    await knobs(platform, decline_rate=1.0)
    reply = await approve(api, buyer, found["payment_id"], await token_of(platform, found), "sync")
    assert reply.status_code == 200 and reply.json()["status"] == "failed"
    assert reply.json()["reason"] == "declined" and reply.json()["captured"] == 0
    await platform.settle()
    [failed] = await events(platform, "PaymentFailed")
    assert failed["reason"] == "declined"
    again = await approve(api, buyer, found["payment_id"], "whatever")
    assert again.status_code == 409 and again.json()["type"].endswith("payment-ended")
    await knobs(platform, decline_rate=0.0)
    assert (await start(api, buyer, order.order_id)).status_code == 201


async def test_a_duplicate_callback_captures_once(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    buyer = await person(platform)
    found = await started(api, await place(platform, buyer))
    await knobs(platform, duplicate_callback_rate=1.0, latency_ms=50)
    callbacks = await at_page(platform, found["redirect_url"])
    assert len(callbacks) == 2 and len({pg_token(url) for url in callbacks}) == 1
    replies = await asyncio.gather(
        *(approve(api, buyer, found["payment_id"], pg_token(url)) for url in callbacks)
    )
    assert sorted(r.status_code for r in replies) == [202, 202]
    await approvals_done(platform)
    assert len(await events(platform, "PaymentApproved")) == 1
    stats = await provider_stats(platform)
    assert stats["approved"] == 1 and stats["approve_refused"] == 0
    twice = await approve(api, buyer, found["payment_id"], pg_token(callbacks[0]), "sync")
    assert twice.status_code == 200 and twice.json()["captured"] == found["amount"]


async def test_the_buyer_gives_up_at_the_provider(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    buyer = await person(platform)
    found = await started(api, await place(platform, buyer))
    cancel_url = await cancel_at_page(platform.calls.client("fakepg"), found["redirect_url"])
    assert cancel_url.endswith(f"/payments/{found['payment_id']}/cancelled")
    path = f"{PAYMENT}/payments/{found['payment_id']}/cancel"
    reply = await api.post(path, headers=buyer.auth)
    assert reply.status_code == 200 and reply.json()["status"] == "failed"
    assert reply.json()["reason"] == "cancelled"
    assert (await api.post(path, headers=buyer.auth)).json()["reason"] == "cancelled"
    await platform.settle()
    assert [e["reason"] for e in await events(platform, "PaymentFailed")] == ["cancelled"]
    assert (await provider_order(platform, found["tid"]))["status"] == "QUIT_PAYMENT"


async def test_an_order_through_ordering_is_paid(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    """The copy lacks the order (its events are not handled yet): payment asks ordering."""
    share_clock(platform)
    shop = await open_shop(api, platform)
    buyer = await new_user(api)
    made = await ordering_placed(api, buyer, shop, "deal")
    await platform.settle()
    async with payment(platform).db.sessions() as session, session.begin():
        await session.execute(sa.delete(orders))
    found = await started(api, Order(made["order_id"], buyer, None, made["amount"]))
    assert found["amount"] == made["amount"]
    token = await token_of(platform, found)
    reply = await approve(api, buyer, found["payment_id"], token, "sync")
    assert reply.json()["status"] == "approved"
    await platform.settle()
    order = (await read_order(api, buyer, made["order_id"])).json()
    assert order["paid"] == made["amount"] and order["payment_id"] == found["payment_id"]
    assert {s["step"]: s["state"] for s in order["saga"]}["pay"] == "done"


async def test_an_approval_in_flight_is_finished_before_the_process_stops(tmp_path: Path) -> None:
    app, platform = build(Settings.for_tests(tmp_path, **TEST_SETTINGS))
    await platform.start()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        buyer = await person(platform)
        found = await started(client, await place(platform, buyer))
        token = await token_of(platform, found)
        await knobs(platform, latency_ms=300)
        assert (await approve(client, buyer, found["payment_id"], token)).status_code == 202
    await platform.stop()
    async with payment(platform).db.sessions() as session:
        status = await session.scalar(sa.select(payments.c.status))
    assert status == "approved"


async def test_the_buyer_reaches_the_in_process_providers_page_at_the_platforms_address(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    buyer = await person(platform)
    found = await started(api, await place(platform, buyer))
    base = platform.settings.public_base
    assert found["redirect_url"] == f"{base}/fakepg/pay/{found['tid']}"
    shown = await api.get(found["redirect_url"])  # the platform's own gateway serves it
    assert shown.status_code == 200 and f'action="{found["tid"]}/approve"' in shown.text
    pressed = await api.post(f"{found['redirect_url']}/approve")
    assert pressed.status_code == 303
    back = pressed.headers["location"]
    assert back.startswith(f"{base}/payments/{found['payment_id']}/approved?pg_token=")
    reply = await approve(api, buyer, found["payment_id"], pg_token(back), "sync")
    assert reply.json()["status"] == "approved", reply.text
    assert (await api.get("/fakepg/admin/stats")).status_code == 404  # only pages, never knobs
