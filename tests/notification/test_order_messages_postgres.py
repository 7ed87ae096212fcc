"""On PostgreSQL: an order's details and its confirmation handled at the same moment (two
queues racing on notification's copy of the order) still confirm each order exactly once,
with its seats."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from stampede.compose import Platform, build
from stampede.kernel.bus import MemoryBus
from stampede.kernel.settings import Settings
from stampede.kernel.sqltypes import new_id
from tests.identity.support import new_user
from tests.mypage.support import at, changed, placed, publish, wrap
from tests.notification.support import inbox, mails_to, text_of

ORDERS = 15


@pytest.fixture
async def on_postgres(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> AsyncIterator[tuple[httpx.AsyncClient, Platform]]:
    monkeypatch.setenv("NOTIFICATION_DATABASE_URL", postgres_url)
    app, platform = build(Settings.for_tests(tmp_path))
    await platform.start()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
        yield api, platform
    await platform.stop()


async def test_racing_details_and_confirmation_confirm_each_order_once(
    on_postgres: tuple[httpx.AsyncClient, Platform],
) -> None:
    api, platform = on_postgres
    assert platform.runtimes["notification"].db.engine.dialect.name == "postgresql"
    buyer = await new_user(api)
    paid = ("PENDING_PAYMENT", "PAID", 1, "paid")
    confirmed = ("PAID", "CONFIRMED", 2, "fulfilment_arranged")
    ids = [new_id() for _ in range(ORDERS)]
    await publish(platform, wrap([changed(o, buyer.id, "performance", paid, at(1)) for o in ids]))
    events = []  # each copy exists now: the two events below race to change it
    for order_id in ids:
        events += [
            placed(order_id, buyer.id, "performance", at(0)),
            changed(order_id, buyer.id, "performance", confirmed, at(2)),
        ]
    await publish(platform, wrap(events))  # both queues meet each order at the same moment
    assert isinstance(platform.bus, MemoryBus) and platform.bus.dead_letters == {}
    notices = (await inbox(api, buyer.auth, limit=100))["items"]
    booked = [n for n in notices if n["kind"] == "booking_confirmed"]
    assert len(notices) == 2 * ORDERS and len({n["link"] for n in booked}) == ORDERS
    mails = mails_to(platform, buyer.email, "예매가 확정되었습니다")
    assert len(mails) == ORDERS and all("R석 A1, R석 A2" in text_of(m) for m in mails)
