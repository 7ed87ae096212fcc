"""Holds outlive the process and the fast state: expiry, restart, lost inventory, final guard."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from pathlib import Path

import httpx
from sqlalchemy import select

from stampede.compose import Platform, build
from stampede.kernel.outbox import OutboxRow
from stampede.kernel.settings import Settings
from stampede.sales.domain.holds import Hold, HoldRequest, Kind, Verdict
from stampede.sales.handlers import upkeep
from stampede.sales.handlers.engine import engine
from stampede.sales.store import to_ms
from stampede.sales.store.memory import MemoryInventory
from tests.sales.support import OPEN, SALES, buyers, hold, new_deal, share_clock


async def _outbox(platform: Platform, event_type: str) -> list[dict[str, object]]:
    async with platform.runtimes["sales"].db.sessions() as session:
        rows = await session.scalars(select(OutboxRow).where(OutboxRow.type == event_type))
        return [row.data for row in rows]


async def test_an_unpaid_hold_expires_once_and_frees_its_stock(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    clock = share_clock(platform, OPEN)
    listing_id = await new_deal(api, platform, stock=1)
    a, b = await buyers(api, 2)
    held = (await hold(api, a, {"listing_id": listing_id})).json()
    clock.advance(seconds=platform.settings.hold_ttl_s + 1)
    live = engine(platform.runtimes["sales"])
    await upkeep.sweep(live)
    await upkeep.sweep(live)
    read = await api.get(f"{SALES}/holds/{held['hold_id']}", headers=a.auth)
    assert read.json()["state"] == "expired"
    assert len(await _outbox(platform, "HoldExpired")) == 1
    assert (await hold(api, b, {"listing_id": listing_id})).status_code == 201


async def test_acknowledged_holds_survive_a_restart(tmp_path: Path) -> None:
    settings = Settings.for_tests(tmp_path)
    app, platform = build(settings)
    await platform.start()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as api:
            share_clock(platform, OPEN)
            listing_id = await new_deal(api, platform, stock=2)
            a, b = await buyers(api, 2)
            held = (await hold(api, a, {"listing_id": listing_id, "quantity": 2})).json()
    finally:
        await platform.stop()
    app, platform = build(settings)
    await platform.start()
    try:
        share_clock(platform, OPEN)
        await upkeep.reconcile(engine(platform.runtimes["sales"]))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as api:
            assert (await hold(api, b, {"listing_id": listing_id})).status_code == 409
            read = await api.get(f"{SALES}/holds/{held['hold_id']}", headers=a.auth)
            assert read.json()["state"] == "live"
    finally:
        await platform.stop()


async def test_a_lost_inventory_is_seeded_again_from_the_record(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform, OPEN)
    listing_id = await new_deal(api, platform, stock=1)
    a, b = await buyers(api, 2)
    assert (await hold(api, a, {"listing_id": listing_id})).status_code == 201
    live = engine(platform.runtimes["sales"])
    live.inventory = MemoryInventory()  # all fast state gone, as after a Redis flush
    await upkeep.sweep(live)
    assert (await hold(api, b, {"listing_id": listing_id})).status_code == 409
    assert await live.inventory.available(listing_id) == 0


async def test_the_database_refuses_what_an_out_of_step_inventory_grants(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform, OPEN)
    listing_id = await new_deal(api, platform, stock=1)
    a, b = await buyers(api, 2)
    live = engine(platform.runtimes["sales"])
    await live.inventory.set_stock(listing_id, 5)  # the fast state wrongly believes in 5
    assert (await hold(api, a, {"listing_id": listing_id})).status_code == 201
    refused = await hold(api, b, {"listing_id": listing_id})
    assert refused.status_code == 409, refused.text
    assert len(await live.inventory.live_holds(listing_id)) == 1
    assert len(await _outbox(platform, "HoldPlaced")) == 1


def _ghost(platform: Platform, listing_id: str, user_id: str, age_s: int, key: str) -> HoldRequest:
    """A grant whose process died before recording it, ``age_s`` seconds ago."""
    runtime = platform.runtimes["sales"]
    placed = to_ms(runtime.now()) - age_s * 1000
    expires = placed + runtime.settings.hold_ttl_s * 1000
    hold = Hold(str(uuid.uuid4()), listing_id, user_id, Kind.STOCK, expires, quantity=1)
    return HoldRequest(replace(hold, idempotency_key=key), placed)


async def test_ghosts_of_a_crashed_process_are_given_back(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform, OPEN)
    listing_id = await new_deal(api, platform, stock=1)
    a, b = await buyers(api, 2)
    live = engine(platform.runtimes["sales"])
    young = await live.inventory.hold(_ghost(platform, listing_id, a.id, 1, "k"))
    assert young.verdict is Verdict.GRANTED
    await upkeep.reclaim_ghosts(live)
    assert (await hold(api, b, {"listing_id": listing_id})).status_code == 409  # maybe in flight
    in_flight = await hold(api, a, {"listing_id": listing_id}, key="k")
    assert in_flight.status_code == 409 and in_flight.json()["type"].endswith("in-flight")
    await live.inventory.release(listing_id, young.hold.hold_id if young.hold else "")
    old = await live.inventory.hold(_ghost(platform, listing_id, a.id, 30, "k"))
    assert old.verdict is Verdict.GRANTED
    await upkeep.reclaim_ghosts(live)
    assert await live.inventory.live_holds(listing_id) == []
    assert (await hold(api, b, {"listing_id": listing_id})).status_code == 201


async def test_a_retry_of_a_request_whose_process_died_is_decided_afresh(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform, OPEN)
    listing_id = await new_deal(api, platform, stock=1)
    (buyer,) = await buyers(api, 1)
    live = engine(platform.runtimes["sales"])
    await live.inventory.hold(_ghost(platform, listing_id, buyer.id, 30, "retry-me"))
    retried = await hold(api, buyer, {"listing_id": listing_id}, key="retry-me")
    assert retried.status_code == 201, retried.text
    read = await api.get(f"{SALES}/holds/{retried.json()['hold_id']}", headers=buyer.auth)
    assert read.json()["state"] == "live"


async def test_in_one_batch_only_the_refused_grant_is_dropped(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform, OPEN)
    listing_id = await new_deal(api, platform, stock=1)
    a, b = await buyers(api, 2)
    live = engine(platform.runtimes["sales"])
    await live.inventory.set_stock(listing_id, 5)  # the fast state wrongly believes in 5
    body = {"listing_id": listing_id}
    replies = await asyncio.gather(hold(api, a, body), hold(api, b, body))
    assert sorted(reply.status_code for reply in replies) == [201, 409]
    assert len(await _outbox(platform, "HoldPlaced")) == 1
    assert len(await live.inventory.live_holds(listing_id)) == 1


async def test_a_sale_the_inventory_does_not_have_yet_answers_503_then_serves(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    """Between a restart (or a lost Redis) and the re-seed, the record knows a sale the
    inventory lacks: buyers are told to retry, not given a 500 or told it does not exist."""
    share_clock(platform, OPEN)
    listing_id = await new_deal(api, platform, waiting_room=True)
    (a,) = await buyers(api, 1)
    live = engine(platform.runtimes["sales"])
    live.inventory = MemoryInventory()
    for reply in (
        await api.post(f"{SALES}/{listing_id}/queue", headers=a.auth),
        await hold(api, a, {"listing_id": listing_id}),
    ):
        assert reply.status_code == 503, reply.text
        assert reply.json()["type"].endswith("/sale-starting")
        assert reply.headers["retry-after"] == "1"
    await upkeep.sweep(live)
    assert (await api.post(f"{SALES}/{listing_id}/queue", headers=a.auth)).status_code == 201
