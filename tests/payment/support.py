"""Helpers for payment's tests: orders fed as ordering's events, the buyer at the fake
provider's page, the provider's knobs, and payment's own records."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from stampede.compose import Platform
from stampede.fakepg.buyer import approve_at_page, pg_token
from stampede.identity.domain.tokens import access_claims
from stampede.identity.handlers.keys import signing_key
from stampede.kernel.internal import Caller
from stampede.kernel.messages import Envelope, Event, now
from stampede.kernel.module import Runtime
from stampede.kernel.outbox import OutboxRow
from stampede.kernel.sqltypes import new_id
from stampede.ordering.contracts import OrderPlaced, OrderStatusChanged
from stampede.payment.handlers.approve import APPROVALS
from tests.identity.support import User
from tests.sales.support import Clock

PAYMENT = "/api/payment"
PROBLEM = "application/problem+json"
PROVIDER_AUTH = {"Authorization": "SECRET_KEY DEV-fakepg-secret-key"}
STALE_S = 11  # a little past PAYMENT_STALE_S (10 s): what the reconciler waits for


def payment(platform: Platform) -> Runtime:
    return platform.runtimes["payment"]


def clock_of(platform: Platform) -> Clock:
    """Payment's clock, from now on moved by the test."""
    clock = Clock(payment(platform).now())
    payment(platform).clock = clock
    return clock


@dataclass
class Order:
    order_id: str
    buyer: User
    seller_id: str | None
    amount: int


async def person(platform: Platform, *roles: str) -> User:
    """Someone holding a real access token (signed with identity's key) for ``roles`` — default
    a customer — without an account: payment knows people only by their token's id."""
    runtime = platform.runtimes["identity"]
    settings, key = runtime.settings, await signing_key(runtime)
    user_id = new_id()
    claims = access_claims(
        user_id, list(roles or ("customer",)), issuer=settings.jwt_issuer,
        audience=settings.jwt_audience, now=now(), ttl_s=settings.access_token_ttl_s,
    )  # fmt: skip
    return User(user_id, f"{user_id}@example.com", "", key.sign(claims), "")


async def publish(platform: Platform, *events: Event) -> None:
    """Put events on the platform's bus as their context would, and let them be handled."""
    await platform.bus.publish([Envelope.wrap(event) for event in events])
    await platform.settle()


async def place(
    platform: Platform, buyer: User, seller_id: str | None = None, amount: int = 12_000,
    due_in_s: float = 900,
) -> Order:  # fmt: skip
    """An order awaiting payment, as ordering's OrderPlaced tells it."""
    now = payment(platform).now()
    placed = OrderPlaced(
        order_id=new_id(), user_id=buyer.id, seller_id=seller_id, company_id=None,
        listing_id=new_id(), listing_kind="deal", kind="stock", title="제주 감귤 5kg",
        amount=amount, quantity=1, hold_id=new_id(),
        payment_due_at=now + timedelta(seconds=due_in_s), at=now,
    )  # fmt: skip
    await publish(platform, placed)
    return Order(placed.order_id, buyer, seller_id, amount)


async def move(platform: Platform, order: Order, status: str, seq: int) -> None:
    """The order moved to ``status`` (ordering's OrderStatusChanged number ``seq``)."""
    changed = OrderStatusChanged(
        order_id=order.order_id, user_id=order.buyer.id, seller_id=order.seller_id,
        listing_id=new_id(), listing_kind="deal", kind="stock", title="제주 감귤 5kg",
        status=status, previous="PENDING_PAYMENT", reason="customer", seq=seq,
        at=payment(platform).now(),
    )  # fmt: skip
    await publish(platform, changed)


def keyed(user: User, key: str | None) -> dict[str, str]:
    return dict(user.auth) | ({"Idempotency-Key": key} if key else {})


async def start(
    api: httpx.AsyncClient, buyer: User, order_id: str, key: str | None = None
) -> httpx.Response:
    body = {"order_id": order_id}
    return await api.post(f"{PAYMENT}/payments", headers=keyed(buyer, key), json=body)


async def started(api: httpx.AsyncClient, order: Order) -> dict[str, Any]:
    reply = await start(api, order.buyer, order.order_id)
    assert reply.status_code == 201, reply.text
    found: dict[str, Any] = reply.json()
    return found


async def at_page(platform: Platform, redirect_url: str) -> list[str]:
    """The buyer presses Approve on the provider's page: the callback URL(s) they return to."""
    return await approve_at_page(platform.calls.client("fakepg"), redirect_url)


async def approve(
    api: httpx.AsyncClient, buyer: User, payment_id: str, token: str,
    mode: str | None = None, key: str | None = None,
) -> httpx.Response:  # fmt: skip
    path = f"{PAYMENT}/payments/{payment_id}/approve" + (f"?mode={mode}" if mode else "")
    return await api.post(path, headers=keyed(buyer, key), json={"pg_token": token})


async def token_of(platform: Platform, found: dict[str, Any]) -> str:
    [callback] = await at_page(platform, found["redirect_url"])
    return pg_token(callback)


async def approvals_done(platform: Platform) -> None:
    """Wait for the approvals running in the background, then for their events."""
    running = list(payment(platform).resources.get(APPROVALS, ()))
    if running:
        await asyncio.gather(*running)
    await platform.settle()


async def paid(api: httpx.AsyncClient, platform: Platform, order: Order) -> dict[str, Any]:
    """A captured payment of ``order`` (approved in sync mode)."""
    found = await started(api, order)
    token = await token_of(platform, found)
    reply = await approve(api, order.buyer, found["payment_id"], token, mode="sync")
    assert reply.status_code == 200 and reply.json()["status"] == "approved", reply.text
    await platform.settle()
    body: dict[str, Any] = reply.json()
    return body


async def read(api: httpx.AsyncClient, user: User, payment_id: str) -> httpx.Response:
    return await api.get(f"{PAYMENT}/payments/{payment_id}", headers=user.auth)


async def knobs(platform: Platform, **changes: Any) -> dict[str, Any]:
    reply = await platform.calls.request(
        "fakepg", "PUT", "/admin/knobs", json=changes, headers=PROVIDER_AUTH
    )
    assert reply.status_code == 200, reply.text
    found: dict[str, Any] = reply.json()
    return found


async def provider_stats(platform: Platform) -> dict[str, int]:
    reply = await platform.calls.request("fakepg", "GET", "/admin/stats", headers=PROVIDER_AUTH)
    found: dict[str, int] = reply.json()
    return found


async def provider_order(platform: Platform, tid: str) -> dict[str, Any]:
    body = {"cid": "TC0ONETIME", "tid": tid}
    reply = await platform.calls.request(
        "fakepg", "POST", "/v1/payment/order", json=body, headers=PROVIDER_AUTH
    )
    found: dict[str, Any] = reply.json()
    return found


async def events(platform: Platform, event_type: str) -> list[dict[str, Any]]:
    """The data of every outbox row of this type in payment's database, oldest first."""
    async with payment(platform).db.sessions() as session:
        rows = await session.scalars(
            select(OutboxRow).where(OutboxRow.type == event_type).order_by(OutboxRow.seq)
        )
        return [row.data for row in rows]


async def internal(
    platform: Platform, path: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A signed call from ordering to payment's internal route."""
    return await Caller(platform.runtimes["ordering"]).command("payment", "POST", path, body)


async def refund(
    api: httpx.AsyncClient, user: User, payment_id: str, amount: int | None = None,
    key: str | None = "r-1",
) -> httpx.Response:  # fmt: skip
    body = {} if amount is None else {"amount": amount}
    path = f"{PAYMENT}/payments/{payment_id}/refund"
    return await api.post(path, headers=keyed(user, key), json=body)
