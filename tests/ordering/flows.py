"""Driving an order through the public API as its buyer and seller would, and waiting for the
saga (events settled, due steps run) to reach a status."""

from __future__ import annotations

from typing import Any

import httpx

from stampede.compose import Platform
from stampede.fakepg.buyer import approve_at_page, pg_token
from stampede.ordering.saga.driver import drive_once
from tests.identity.support import User
from tests.ordering.support import read

PAYMENT = "/api/payment"
FULFILMENT = "/api/fulfilment"


async def settle(platform: Platform, rounds: int = 6) -> None:
    """Handle every pending event and run every due saga step, until nothing moves."""
    for _ in range(rounds):
        await platform.settle()
        if not await drive_once(platform.runtimes["ordering"]):
            await platform.settle()
            return


async def status_of(
    api: httpx.AsyncClient, platform: Platform, user: User, order_id: str
) -> dict[str, Any]:
    await settle(platform)
    reply = await read(api, user, order_id)
    assert reply.status_code == 200, reply.text
    found: dict[str, Any] = reply.json()
    return found


async def pay(
    api: httpx.AsyncClient, platform: Platform, buyer: User, order_id: str
) -> dict[str, Any]:
    """Start the payment, approve it at the provider's page, confirm it (sync mode)."""
    started = await api.post(f"{PAYMENT}/payments", headers=buyer.auth, json={"order_id": order_id})
    assert started.status_code == 201, started.text
    payment = started.json()
    [callback] = await approve_at_page(platform.calls.client("fakepg"), payment["redirect_url"])
    path = f"{PAYMENT}/payments/{payment['payment_id']}/approve?mode=sync"
    approved = await api.post(path, headers=buyer.auth, json={"pg_token": pg_token(callback)})
    assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.text
    found: dict[str, Any] = approved.json()
    return found


async def staff(api: httpx.AsyncClient, user: User, path: str, body: Any = None) -> httpx.Response:
    return await api.post(f"{FULFILMENT}{path}", headers=user.auth, json=body)


async def my_order(api: httpx.AsyncClient, user: User, order_id: str) -> dict[str, Any]:
    reply = await api.get(f"/api/mypage/orders/{order_id}", headers=user.auth)
    assert reply.status_code == 200, reply.text
    found: dict[str, Any] = reply.json()
    return found


async def cancel(
    api: httpx.AsyncClient, user: User, order_id: str, key: str | None = None
) -> httpx.Response:
    headers = dict(user.auth) | ({"Idempotency-Key": key} if key else {})
    return await api.post(f"/api/ordering/orders/{order_id}/cancel", headers=headers)
