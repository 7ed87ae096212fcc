"""Helpers for the fake provider's tests: a client on a fresh app, and its API calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from stampede.fakepg.app import DEFAULT_SECRET_KEY, create_app
from stampede.fakepg.knobs import Knobs

AUTH = {"Authorization": f"SECRET_KEY {DEFAULT_SECRET_KEY}"}
CID = "TC0ONETIME"
BASE = "http://pg.test"


@asynccontextmanager
async def provider(knobs: Knobs | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a fresh fake provider, with its key (the ASGI transport has no timeouts)."""
    transport = httpx.ASGITransport(app=create_app(knobs))
    async with httpx.AsyncClient(transport=transport, base_url=BASE, headers=AUTH) as client:
        yield client


def ready_body(**changes: Any) -> dict[str, Any]:
    return {
        "cid": CID,
        "partner_order_id": "order-1",
        "partner_user_id": "user-1",
        "item_name": "제주 감귤 5kg",
        "quantity": 1,
        "total_amount": 12_000,
        "tax_free_amount": 0,
        "approval_url": "https://shop.test/pay/approved?payment=p1",
        "cancel_url": "https://shop.test/pay/cancelled",
        "fail_url": "https://shop.test/pay/failed",
        **changes,
    }


async def ready(client: httpx.AsyncClient, **changes: Any) -> dict[str, Any]:
    reply = await client.post("/v1/payment/ready", json=ready_body(**changes))
    assert reply.status_code == 200, reply.text
    found: dict[str, Any] = reply.json()
    return found


async def approve(
    client: httpx.AsyncClient, tid: str, token: str, **changes: Any
) -> httpx.Response:
    body = {"cid": CID, "tid": tid, "partner_order_id": "order-1", "partner_user_id": "user-1",
            "pg_token": token, **changes}  # fmt: skip
    return await client.post("/v1/payment/approve", json=body)


async def cancel(client: httpx.AsyncClient, tid: str, amount: int) -> httpx.Response:
    body = {"cid": CID, "tid": tid, "cancel_amount": amount, "cancel_tax_free_amount": 0}
    return await client.post("/v1/payment/cancel", json=body)


async def standing(client: httpx.AsyncClient, tid: str) -> dict[str, Any]:
    reply = await client.post("/v1/payment/order", json={"cid": CID, "tid": tid})
    assert reply.status_code == 200, reply.text
    found: dict[str, Any] = reply.json()
    return found
