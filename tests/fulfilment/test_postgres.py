"""Fulfilment on PostgreSQL: concurrent requests for the same move make it once, and the
database itself refuses a second delivery, rental or seat ticket for an order, unknown
states and impossible records."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp

from stampede.compose import Platform
from stampede.fulfilment.store.tables import deliveries, rentals, tickets
from stampede.kernel.settings import Settings
from tests.catalog.support import Business
from tests.fulfilment.conftest import started
from tests.fulfilment.support import (
    ORDERS,
    arranged,
    ask,
    cancel,
    cast,
    code_of,
    command,
    events,
    get,
    post,
)
from tests.identity.support import User

pytestmark = pytest.mark.postgres
RACERS = 12


@pytest.fixture
async def system(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> AsyncIterator[tuple[ASGIApp, Platform]]:
    """Identity on SQLite, fulfilment on a fresh PostgreSQL database."""
    monkeypatch.setenv("FULFILMENT_DATABASE_URL", postgres_url)
    async for running in started(Settings.for_tests(tmp_path)):
        yield running


async def test_concurrent_check_ins_let_exactly_one_in(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    assert not platform.runtimes["fulfilment"].db.is_sqlite
    c = await cast(api, platform)
    ticket_id = (await arranged(platform, ask("seats", c.buyer.id, c.seller.user.id)))[
        "ticket_ids"
    ][0]
    body = {"code": await code_of(platform, ticket_id)}
    staff: list[User | Business] = [c.seller, c.admin] * (RACERS // 2)
    replies = await asyncio.gather(
        *(post(api, f"/tickets/{ticket_id}/checkin", who, body) for who in staff)
    )
    assert Counter(r.status_code for r in replies) == {200: 1, 409: RACERS - 1}
    assert {r.json()["type"].rsplit("/")[-1] for r in replies if r.status_code == 409} == {
        "already-used"
    }
    assert len(await events(platform, "TicketCheckedIn")) == 1


async def test_a_check_in_racing_a_cancel_lets_one_of_them_win(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    c = await cast(api, platform)
    for _ in range(6):
        order = ask("seats", c.buyer.id, c.seller.user.id)
        ticket_id = (await arranged(platform, order))["ticket_ids"][0]
        body = {"code": await code_of(platform, ticket_id)}
        checked, called_off = await asyncio.gather(
            post(api, f"/tickets/{ticket_id}/checkin", c.seller, body),
            cancel(platform, order["order_id"]),
        )
        state = (await get(api, f"/tickets/{ticket_id}", c.buyer)).json()["state"]
        outcome = (checked.status_code, called_off.status_code, state)
        assert outcome in ((200, 409, "used"), (409, 200, "cancelled")), outcome
    used = len(await events(platform, "TicketCheckedIn"))
    assert used + len(await events(platform, "FulfilmentCancelled")) == 6


async def test_concurrent_arranges_and_moves_happen_once(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    c = await cast(api, platform)
    body = ask("stock", c.buyer.id, c.seller.user.id)
    replies = await asyncio.gather(*(command(platform, ORDERS, body) for _ in range(RACERS)))
    assert Counter(r.status_code for r in replies) == {201: 1, 200: RACERS - 1}
    assert len({r.text for r in replies}) == 1
    assert len(await events(platform, "DeliveryRequested")) == 1
    delivery_id = replies[0].json()["delivery_id"]
    shipped = await asyncio.gather(
        *(post(api, f"/deliveries/{delivery_id}/ship", c.seller) for _ in range(RACERS))
    )
    assert {r.status_code for r in shipped} == {200}
    assert len(await events(platform, "DeliveryShipped")) == 1


def _delivery(order_id: str, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "id": str(uuid.uuid4()),
        "order_id": order_id,
        "user_id": str(uuid.uuid4()),
        "listing_id": str(uuid.uuid4()),
        "title": "감귤",
        "state": "requested",
        "kind": "stock",
        "quantity": 1,
        "created_at": now,
        "updated_at": now,
    } | changes


def _rental(**changes: Any) -> dict[str, Any]:
    row = _delivery(str(uuid.uuid4()), state="booked") | changes
    del row["kind"], row["quantity"]
    return {"start_date": date(2025, 3, 20), "end_date": date(2025, 3, 23)} | row


def _ticket(order_id: str, seat_id: str, **changes: Any) -> dict[str, Any]:
    row = _delivery(order_id, state="issued")
    del row["kind"], row["quantity"]
    extra = {"seat_id": seat_id, "seat_label": "A-1", "session_starts_at": row["created_at"]}
    return row | extra | {"code": "secret"} | changes


async def test_the_database_refuses_what_fulfilment_must_never_hold(platform: Platform) -> None:
    order_id, seat_id = str(uuid.uuid4()), str(uuid.uuid4())
    good = [
        (deliveries, _delivery(order_id)),
        (tickets, _ticket(order_id, seat_id)),
        (rentals, _rental()),
    ]
    refused = [
        (deliveries, _delivery(order_id)),  # a second delivery for the order
        (tickets, _ticket(order_id, seat_id)),  # a second ticket for the seat
        (deliveries, _delivery(str(uuid.uuid4()), state="lost")),
        (deliveries, _delivery(str(uuid.uuid4()), state="shipped")),  # when?
        (deliveries, _delivery(str(uuid.uuid4()), quantity=-1)),
        (rentals, _rental(start_date=date(2025, 3, 24))),  # ends before it starts
        (tickets, _ticket(str(uuid.uuid4()), seat_id, state="used")),  # used when?
        (tickets, _ticket(str(uuid.uuid4()), seat_id, used_at=datetime.now(UTC))),
    ]
    db = platform.runtimes["fulfilment"].db
    for table, row in good:
        async with db.sessions() as session, session.begin():
            await session.execute(table.insert().values(**row))
    for table, row in refused:
        with pytest.raises(IntegrityError):
            async with db.sessions() as session, session.begin():
                await session.execute(table.insert().values(**row))
    async with db.sessions() as session:
        counted = [
            await session.scalar(sa.select(sa.func.count()).select_from(t))
            for t in (deliveries, rentals, tickets)
        ]
    assert counted == [1, 1, 1]
