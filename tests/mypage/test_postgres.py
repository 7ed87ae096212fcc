"""My page on PostgreSQL: many orders' events handled at the same time by every queue — the
first events of one order race to create its card, later ones to change it — still give one
complete, identical card per order, with no message dead-lettered, and a page is one statement.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from stampede.compose import Platform, build
from stampede.kernel.bus import MemoryBus
from stampede.kernel.settings import Settings
from stampede.kernel.sqltypes import new_id
from tests.identity.support import new_user
from tests.mypage.support import for_order, order, orders, publish, ticket_journey, wrap
from tests.mypage.test_pages import statements, without_id

ORDERS = 12


@pytest.fixture
async def on_postgres(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> AsyncIterator[tuple[httpx.AsyncClient, Platform]]:
    monkeypatch.setenv("MYPAGE_DATABASE_URL", postgres_url)
    app, platform = build(Settings.for_tests(tmp_path))
    await platform.start()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
        yield api, platform
    await platform.stop()


async def test_concurrent_events_of_many_orders_give_one_whole_card_each(
    on_postgres: tuple[httpx.AsyncClient, Platform],
) -> None:
    api, platform = on_postgres
    assert platform.runtimes["mypage"].db.engine.dialect.name == "postgresql"
    buyer = await new_user(api)
    journey = ticket_journey(new_id(), buyer.id)
    ids = [new_id() for _ in range(ORDERS)]
    envelopes = [e for order_id in ids for e in wrap(for_order(journey, order_id))]
    random.Random(7).shuffle(envelopes)
    await publish(platform, envelopes)
    assert isinstance(platform.bus, MemoryBus) and platform.bus.dead_letters == {}
    cards = [await order(api, buyer.auth, order_id) for order_id in ids]
    assert cards[0]["status"] == "COMPLETED" and len(cards[0]["timeline"]) == len(journey)
    assert [t["state"] for t in cards[0]["tickets"]] == ["checked_in", "issued"]
    assert all(without_id(card) == without_id(cards[0]) for card in cards)
    with statements(platform) as seen:
        page = await orders(api, buyer.auth, limit=5)
    assert len(seen) == 1 and len(page["items"]) == 5
