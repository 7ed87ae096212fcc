"""Helpers for the fulfilment tests: ordering's signed commands, asks of every kind, the cast
(a buyer, their seller, an admin; outsiders on demand), fulfilment's outbox and its tickets'
codes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from stampede.compose import Platform
from stampede.fulfilment.store.tables import tickets
from stampede.kernel.internal import HEADER, service_token
from stampede.kernel.outbox import OutboxRow
from tests.catalog.support import Business, new_business
from tests.identity.support import User, new_admin, new_user

FULFILMENT = "/api/fulfilment"
ORDERS = "/internal/fulfilment/orders"
PROBLEM = "application/problem+json"


@dataclass
class Cast:
    buyer: User
    seller: Business
    admin: User

    async def outsiders(self, api: httpx.AsyncClient, platform: Platform) -> Outsiders:
        other = await new_business(api, platform, self.admin, name="다른상점")
        return Outsiders(other, await new_user(api))


@dataclass
class Outsiders:
    seller: Business  # another business
    stranger: User  # another customer


async def cast(api: httpx.AsyncClient, platform: Platform) -> Cast:
    """A buyer, the business that sells to them, and an admin."""
    admin = await new_admin(api, platform)
    seller = await new_business(api, platform, admin)
    return Cast(await new_user(api), seller, admin)


def signed(platform: Platform, caller: str = "ordering") -> dict[str, str]:
    return {HEADER: service_token(platform.settings.secret_key, caller)}


async def command(
    platform: Platform, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    """A POST to fulfilment's own app, signed as ordering unless ``headers`` say otherwise."""
    transport = httpx.ASGITransport(app=platform.apps["fulfilment"])
    async with httpx.AsyncClient(transport=transport, base_url="http://fulfilment") as client:
        sent = signed(platform) if headers is None else headers
        return await client.post(path, json=body, headers=sent)


def ask(kind: str, buyer: str = "", seller: str | None = None, **changes: Any) -> dict[str, Any]:
    """What ordering sends for a paid order of ``kind`` (stock, unit, dates, seats) by the
    user ``buyer`` (default: a made-up one) from the business user ``seller``."""
    body: dict[str, Any] = {
        "order_id": str(uuid.uuid4()),
        "user_id": buyer or str(uuid.uuid4()),
        "seller_id": seller,
        "listing_id": str(uuid.uuid4()),
        "kind": kind,
        "title": "제주 감귤 5kg",
    }
    by_kind: dict[str, dict[str, Any]] = {
        "stock": {"quantity": 2, "shipping_address": "서울시 중구 세종대로 110"},
        "unit": {"unit_id": str(uuid.uuid4()), "shop_id": str(uuid.uuid4())},
        "dates": {"start_date": str(date(2025, 3, 20)), "end_date": str(date(2025, 3, 23))},
        "seats": {
            "seat_ids": [str(uuid.uuid4()), str(uuid.uuid4())],
            "seat_labels": ["A-1-1", "A-1-2"],
            "session_starts_at": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
        },
    }
    return body | by_kind.get(kind, {}) | changes


async def arranged(platform: Platform, body: dict[str, Any]) -> dict[str, Any]:
    reply = await command(platform, ORDERS, body)
    assert reply.status_code == 201, reply.text
    found: dict[str, Any] = reply.json()
    return found


async def cancel(platform: Platform, order_id: str) -> httpx.Response:
    return await command(platform, f"{ORDERS}/{order_id}/cancel")


async def events(platform: Platform, event_type: str) -> list[dict[str, Any]]:
    """The data of every event of this type in fulfilment's outbox, oldest first."""
    async with platform.runtimes["fulfilment"].db.sessions() as session:
        rows = await session.scalars(
            select(OutboxRow).where(OutboxRow.type == event_type).order_by(OutboxRow.seq)
        )
        return [row.data for row in rows]


async def code_of(platform: Platform, ticket_id: str) -> str:
    async with platform.runtimes["fulfilment"].db.sessions() as session:
        code = await session.scalar(select(tickets.c.code).where(tickets.c.id == ticket_id))
    assert isinstance(code, str)
    return code


async def post(
    api: httpx.AsyncClient, path: str, who: User | Business, body: Any = None
) -> httpx.Response:
    return await api.post(f"{FULFILMENT}{path}", headers=who.auth, json=body)


async def get(
    api: httpx.AsyncClient, path: str, who: User | Business, **params: Any
) -> httpx.Response:
    return await api.get(f"{FULFILMENT}{path}", headers=who.auth, params=params)
