"""Graceful shutdown, part by part: readiness answers 503 while draining, a relay stopped
mid-batch still marks what it published as sent, the in-process bus handles what it holds
before it closes, and a signal drains (after the delay) instead of stopping at once.

The whole process under load, with RabbitMQ, is in ``tests/system/test_shutdown.py``.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import select

from stampede.kernel import shutdown
from stampede.kernel.aio import cancel_all
from stampede.kernel.bus import MemoryBus, Queue
from stampede.kernel.db import Database
from stampede.kernel.messages import Envelope
from stampede.kernel.migrate import migrate
from stampede.kernel.outbox import OutboxRow, Relay, outbox_row


@pytest.fixture(autouse=True)
def not_draining() -> Iterator[None]:
    shutdown.reset()
    yield
    shutdown.reset()


async def test_readiness_answers_503_once_the_process_drains(api: httpx.AsyncClient) -> None:
    assert (await api.get("/readyz")).status_code == 200
    shutdown.begin(30)
    reply = await api.get("/readyz")
    assert reply.status_code == 503 and reply.json()["status"] == "draining"
    assert (await api.get("/healthz")).status_code == 200  # alive: it is finishing its work


class SlowBus(MemoryBus):
    """Takes ``delay_s`` to have each batch confirmed, like a broker under load."""

    def __init__(self, delay_s: float) -> None:
        super().__init__()
        self.delay_s, self.published = delay_s, 0
        self.publishing = asyncio.Event()

    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        self.publishing.set()
        await asyncio.sleep(self.delay_s)
        self.published += len(envelopes)


async def test_a_relay_stopped_mid_batch_finishes_the_batch(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/relay.db", "relaytest")
    await migrate(db, versions)
    made = [Envelope(type="Made", source="relaytest", data={"n": n}) for n in range(30)]
    async with db.sessions() as session, session.begin():
        session.add_all(outbox_row(envelope) for envelope in made)
    bus = SlowBus(delay_s=0.3)
    relay = [asyncio.create_task(Relay(db, bus).run())]
    await asyncio.wait_for(bus.publishing.wait(), 5)
    await cancel_all(relay)  # the platform stopping while the batch is with the broker
    async with db.sessions() as session:
        states = list(await session.scalars(select(OutboxRow.state)))
    await db.dispose()
    assert bus.published == 30 and states == ["sent"] * 30


def _counting_queue(handled: list[str]) -> Queue:
    async def deliver(envelope: Envelope) -> None:
        await asyncio.sleep(0.01)
        handled.append(envelope.id)

    return Queue("drain.count", ("drain.Counted",), deliver)


async def _bus_closed_with(messages: int) -> list[str]:
    handled: list[str] = []
    bus = MemoryBus()
    bus.subscribe(_counting_queue(handled))
    await bus.start()
    await bus.publish([Envelope(type="Counted", source="drain", data={}) for _ in range(messages)])
    await bus.close()
    return handled


async def test_a_draining_in_process_bus_handles_what_it_holds_before_closing() -> None:
    assert len(await _bus_closed_with(40)) < 40  # closed at once, as tests stop a platform
    shutdown.begin(10)
    assert len(await _bus_closed_with(40)) == 40


async def _app(scope: object, receive: object, send: object) -> None:
    return None


def test_a_signal_drains_first_and_stops_serving_after_the_delay() -> None:
    config = uvicorn.Config(_app, timeout_graceful_shutdown=20)
    server = shutdown.DrainingServer(config, delay_s=0.3)
    server.handle_exit(signal.SIGTERM, None)
    assert shutdown.draining() and not server.should_exit
    assert 20 < shutdown.remaining_s() <= 20.3
    assert not asyncio.run(server.on_tick(1))  # still serving during the delay
    assert server.watchdog is not None
    server.watchdog.cancel()  # this test process must not be ended by it
    asyncio.run(asyncio.sleep(0.35))
    assert asyncio.run(server.on_tick(2)) and not server.force_exit
    server.handle_exit(signal.SIGTERM, None)  # asked again: no more waiting
    assert server.force_exit
