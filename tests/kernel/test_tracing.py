"""Trace context crosses HTTP into the outbox, and from a message into its consumer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter
from sqlalchemy import select

from stampede.compose import Platform
from stampede.kernel.auth import TokenVerifier
from stampede.kernel.bus import MemoryBus
from stampede.kernel.calls import ServiceCalls
from stampede.kernel.consumers import queues_for
from stampede.kernel.db import Database, UnitOfWork
from stampede.kernel.messages import Envelope, Event
from stampede.kernel.migrate import migrate
from stampede.kernel.module import Module, Runtime, Subscription
from stampede.kernel.outbox import OutboxRow
from stampede.kernel.settings import Settings
from stampede.kernel.store import MemoryStore
from stampede.kernel.tracing import trace_id

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE}-00f067aa0ba902b7-01"


async def test_a_request_trace_reaches_the_outbox_rows_it_writes(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    body = {"email": "trace@example.com", "password": "trace password", "name": "T"}
    reply = await api.post("/api/identity/signup", json=body, headers={"traceparent": TRACEPARENT})
    assert reply.status_code == 201
    async with platform.runtimes["identity"].db.sessions() as session:
        rows = (await session.scalars(select(OutboxRow))).all()
    assert rows and all(TRACE in row.traceparent for row in rows)


class Pinged(Event):
    source = "tracetest"


async def test_a_consumer_continues_the_trace_of_its_message(tmp_path: Path) -> None:
    seen: list[str] = []

    async def record(event: Pinged, uow: Any) -> None:
        seen.append(trace_id())

    versions = tmp_path / "versions"
    versions.mkdir()
    module = Module(
        name="tracetest",
        router=APIRouter(),
        migrations=versions,
        unit_of_work=lambda rt: UnitOfWork(rt.db),
        subscriptions=(Subscription(Pinged, record),),
    )
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/t.db", "tracetest")
    await migrate(db, versions)
    settings = Settings.for_tests(tmp_path)
    verifier = TokenVerifier(lambda: None, "iss", "aud")  # type: ignore[arg-type, return-value]
    runtime = Runtime(
        "tracetest", settings, db, MemoryStore(), MemoryBus(), ServiceCalls(settings), verifier
    )
    [queue] = queues_for(module, runtime)
    envelope = Envelope.wrap(Pinged(), traceparent=TRACEPARENT)
    await queue.deliver(envelope)
    await queue.deliver(envelope)  # redelivered: the inbox skips it
    await db.dispose()
    assert seen == [TRACE]
