"""Transactional outbox: rows written with the business change, published by a relay.

States: ``pending`` → ``sent``, or after ``max_attempts`` failed publishes → ``failed``, which
``redrive`` (``stampede outbox redrive``) puts back to ``pending``. Backoff doubles per attempt up
to a minute. Several relays may run against one PostgreSQL database: rows are claimed with
``FOR UPDATE SKIP LOCKED``. A crash between publish and commit republishes; inboxes absorb it.
A relay stopped (cancelled) while publishing a batch first lets that batch finish and commit, up
to the shutdown budget. A commit that wrote rows wakes its relay at once; the relay also looks
every ``poll_s`` (2 s) for rows due again after a failed publish or left by a stopped process.
Every :data:`LAG_EVERY_S` the relay reports its database's pending and
failed rows and the age of the oldest pending one (``stampede_outbox_*`` gauges).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import structlog
from prometheus_client import Gauge
from sqlalchemy import JSON, Float, Integer, String, Text, func, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from stampede.kernel import shutdown
from stampede.kernel.messages import Envelope
from stampede.kernel.sqltypes import UtcDateTime, context_metadata

if TYPE_CHECKING:
    from stampede.kernel.bus import Bus
    from stampede.kernel.db import Database

log = structlog.get_logger()
PENDING = Gauge("stampede_outbox_pending", "Outbox rows not published yet", ["context"])
FAILED = Gauge("stampede_outbox_failed", "Outbox rows given up on until redriven", ["context"])
LAG = Gauge("stampede_outbox_lag_seconds", "Age of the oldest unpublished outbox row", ["context"])
LAG_EVERY_S = 5.0
FLUSH_S = 5.0  # a stopped relay waits at least this long for its batch to be published


class KernelBase(DeclarativeBase):
    metadata = context_metadata()


class OutboxRow(KernelBase):
    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200), default="")
    time: Mapped[datetime] = mapped_column(UtcDateTime())
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    traceparent: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[float] = mapped_column(Float, default=0.0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    def envelope(self) -> Envelope:
        return Envelope(
            id=self.id,
            type=self.type,
            source=self.source,
            subject=self.subject,
            time=self.time,
            data=self.data,
            traceparent=self.traceparent,
        )


def outbox_row(envelope: Envelope) -> OutboxRow:
    return OutboxRow(
        id=envelope.id,
        type=envelope.type,
        source=envelope.source,
        subject=envelope.subject,
        time=envelope.time,
        data=envelope.data,
        traceparent=envelope.traceparent,
        state="pending",
        attempts=0,
        next_attempt_at=0.0,
        last_error="",
    )


def backoff_s(attempts: int) -> float:
    return float(min(60, 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class OutboxStats:
    pending: int
    failed: int
    oldest_pending_age_s: float


class Relay:
    """Publishes pending outbox rows of one database to the bus, oldest first."""

    def __init__(
        self,
        db: Database,
        bus: Bus,
        *,
        batch: int = 500,
        max_attempts: int = 10,
        poll_s: float = 2.0,
    ) -> None:
        self.db, self.bus = db, bus
        self.batch, self.max_attempts, self.poll_s = batch, max_attempts, poll_s

    async def run(self) -> None:
        report_at = 0.0
        while True:
            try:
                published = await self._pump()
            except Exception as exc:  # the database may be briefly away; keep relaying
                log.warning("outbox relay failed", context=self.db.context, error=repr(exc))
                published = 0
            if time.monotonic() >= report_at:
                report_at = time.monotonic() + LAG_EVERY_S
                await self.report_lag()
            if published < self.batch:
                await self._wait()

    async def _pump(self) -> int:
        """:meth:`pump_once`, finished even when the relay is cancelled meanwhile (the
        platform stopping): rows published are then marked sent, unless the batch takes
        longer than what is left of the shutdown budget (they are published again later)."""
        pumping = asyncio.ensure_future(self.pump_once())
        try:
            return await asyncio.shield(pumping)
        except asyncio.CancelledError:
            await asyncio.wait({pumping}, timeout=shutdown.remaining_s(FLUSH_S))
            pumping.cancel()
            if pumping.done() and not pumping.cancelled():
                pumping.exception()  # retrieved: the relay is stopping either way
            raise

    async def report_lag(self) -> None:
        """Set this database's ``stampede_outbox_*`` gauges; a failed read leaves them as is."""
        try:
            found = await stats(self.db)
        except Exception as exc:
            log.warning("outbox lag unknown", context=self.db.context, error=repr(exc))
            return
        PENDING.labels(self.db.context).set(found.pending)
        FAILED.labels(self.db.context).set(found.failed)
        LAG.labels(self.db.context).set(found.oldest_pending_age_s)

    async def _wait(self) -> None:
        self.db.outbox_signal.clear()
        try:
            async with asyncio.timeout(self.poll_s):
                await self.db.outbox_signal.wait()
        except TimeoutError:
            pass

    async def pump_once(self) -> int:
        """Publish one batch of due rows; returns how many rows it claimed."""
        async with self.db.sessions() as session, session.begin():
            rows = (
                await session.scalars(
                    select(OutboxRow)
                    .where(OutboxRow.state == "pending", OutboxRow.next_attempt_at <= time.time())
                    .order_by(OutboxRow.seq)
                    .limit(self.batch)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if rows:
                await self._publish(rows)
            return len(rows)

    async def _publish(self, rows: Sequence[OutboxRow]) -> None:
        try:
            await self.bus.publish([row.envelope() for row in rows])
        except Exception as exc:
            self._record_failure(rows, exc)
            return
        sent_at = datetime.now(UTC)
        for row in rows:
            row.state, row.sent_at, row.attempts = "sent", sent_at, row.attempts + 1

    def _record_failure(self, rows: Sequence[OutboxRow], exc: Exception) -> None:
        log.warning(
            "outbox publish failed", context=self.db.context, rows=len(rows), error=repr(exc)
        )
        for row in rows:
            row.attempts += 1
            row.last_error = repr(exc)[:2000]
            row.next_attempt_at = time.time() + backoff_s(row.attempts)
            if row.attempts >= self.max_attempts:
                row.state = "failed"


async def redrive(db: Database) -> int:
    """Put every ``failed`` row back to ``pending``; returns how many."""
    async with db.sessions() as session, session.begin():
        result = await session.execute(
            update(OutboxRow)
            .where(OutboxRow.state == "failed")
            .values(state="pending", attempts=0, next_attempt_at=0.0)
        )
        return int(getattr(result, "rowcount", 0) or 0)


async def due(db: Database) -> int:
    """Pending rows whose time to be published has come, read beside writers (a row a relay
    is publishing right now still counts until its transaction commits)."""
    async with db.read_sessions() as session:
        found = await session.scalar(
            select(func.count())
            .select_from(OutboxRow)
            .where(OutboxRow.state == "pending", OutboxRow.next_attempt_at <= time.time())
        )
    return int(found or 0)


async def stats(db: Database) -> OutboxStats:
    """Pending and failed rows and the oldest pending row's age, read beside writers."""
    async with db.read_sessions() as session:
        rows = (
            await session.execute(
                select(OutboxRow.state, func.count())
                .where(OutboxRow.state.in_(("pending", "failed")))
                .group_by(OutboxRow.state)
            )
        ).all()
        counts: dict[str, int] = {state: int(n) for state, n in rows}
        oldest = await session.scalar(
            select(func.min(OutboxRow.time)).where(OutboxRow.state == "pending")
        )
    age = 0.0 if oldest is None else (datetime.now(UTC) - oldest).total_seconds()
    return OutboxStats(counts.get("pending", 0), counts.get("failed", 0), max(0.0, age))
