"""The database seam, the outbox and the inbox: one suite for SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Integer, String, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from stampede.kernel import outbox
from stampede.kernel.aio import cancel_all
from stampede.kernel.bus import MemoryBus, Queue
from stampede.kernel.db import Database, UnitOfWork
from stampede.kernel.inbox import claim
from stampede.kernel.messages import Envelope, Event
from stampede.kernel.migrate import migrate
from stampede.kernel.outbox import OutboxRow, Relay

WIDGETS_MIGRATION = """
import sqlalchemy as sa
from alembic import op

revision = "widgets_0001"
down_revision = None
branch_labels = ("widgets",)
depends_on = None


def upgrade() -> None:
    op.create_table("widgets", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("name", sa.String(50), nullable=False, unique=True))


def downgrade() -> None:
    op.drop_table("widgets")
"""


class Base(DeclarativeBase):
    pass


class Widget(Base):
    __tablename__ = "widgets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)


class WidgetMade(Event):
    source = "widgets"
    name: str


class FailingBus(MemoryBus):
    async def publish(self, envelopes: object) -> None:
        raise ConnectionError("broker away")


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/widgets.db"
    else:
        url = request.getfixturevalue("postgres_url")
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "widgets_0001.py").write_text(WIDGETS_MIGRATION)
    database = Database(url, "widgets")
    await migrate(database, versions)
    await migrate(database, versions)  # a second run is a no-op
    yield database
    await database.dispose()


async def make_widget(db: Database, name: str, commit: bool = True) -> None:
    async with UnitOfWork(db) as uow:
        uow.session.add(Widget(name=name))
        uow.emit(WidgetMade(name=name), subject=name)
        if commit:
            await uow.commit()


async def count(db: Database, what: type[Base] | type[OutboxRow]) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(what)) or 0)


async def test_commit_writes_state_and_outbox_row_together(db: Database) -> None:
    await make_widget(db, "a")
    assert await count(db, Widget) == 1
    assert await count(db, OutboxRow) == 1


async def test_leaving_without_commit_writes_nothing(db: Database) -> None:
    await make_widget(db, "a", commit=False)
    assert await count(db, Widget) == 0
    assert await count(db, OutboxRow) == 0


async def test_a_failed_commit_writes_no_outbox_row(db: Database) -> None:
    await make_widget(db, "a")
    with pytest.raises(IntegrityError):
        await make_widget(db, "a")
    assert await count(db, OutboxRow) == 1


async def test_relay_publishes_in_order_and_marks_sent(db: Database) -> None:
    bus, seen = MemoryBus(), []

    async def record(envelope: Envelope) -> None:
        seen.append(envelope.open(WidgetMade).name)

    bus.subscribe(Queue("test.record", ("widgets.WidgetMade",), record))
    await bus.start()
    for name in "abc":
        await make_widget(db, name)
    assert await outbox.due(db) == 3
    assert await Relay(db, bus).pump_once() == 3
    assert await outbox.due(db) == 0
    await bus.settle()
    assert seen == ["a", "b", "c"]
    assert (await outbox.stats(db)).pending == 0
    assert await Relay(db, bus).pump_once() == 0
    await bus.close()


async def test_failed_publishes_back_off_then_fail_and_redrive(db: Database) -> None:
    await make_widget(db, "a")
    relay = Relay(db, FailingBus(), max_attempts=2)
    assert await outbox.due(db) == 1
    assert await relay.pump_once() == 1
    assert await outbox.due(db) == 0  # pending, but not due while it backs off
    assert await relay.pump_once() == 0  # backing off
    async with db.sessions() as session, session.begin():
        await session.execute(text("UPDATE outbox SET next_attempt_at = 0"))
    assert await relay.pump_once() == 1
    stats = await outbox.stats(db)
    assert (stats.pending, stats.failed) == (0, 1)
    assert await outbox.redrive(db) == 1
    assert await Relay(db, MemoryBus()).pump_once() == 1
    assert (await outbox.stats(db)).failed == 0


async def test_relay_wakes_on_commit(db: Database) -> None:
    bus, seen = MemoryBus(), asyncio.Event()

    async def record(envelope: Envelope) -> None:
        seen.set()

    bus.subscribe(Queue("test.wake", ("widgets.WidgetMade",), record))
    await bus.start()
    task = asyncio.create_task(Relay(db, bus, poll_s=30).run())
    await asyncio.sleep(0.05)
    await make_widget(db, "a")
    await asyncio.wait_for(seen.wait(), 5)
    await asyncio.wait_for(cancel_all([task]), 5)  # a relay stops promptly when cancelled
    await bus.close()


async def test_inbox_claims_a_message_once_per_consumer(db: Database) -> None:
    async with UnitOfWork(db) as uow:
        assert await claim(uow.session, "c1", "m1")
        assert await claim(uow.session, "c2", "m1")
        await uow.commit()
    async with UnitOfWork(db) as uow:
        assert not await claim(uow.session, "c1", "m1")
    async with UnitOfWork(db) as uow:
        assert await claim(uow.session, "c1", "m2")
        # not committed: the claim disappears with the transaction
    async with UnitOfWork(db) as uow:
        assert await claim(uow.session, "c1", "m2")


async def test_a_reading_unit_reads_the_last_commit_beside_an_open_writer(db: Database) -> None:
    """A writer holds its transaction open (on SQLite: the write lock); a reading unit is
    not kept waiting, sees what was committed before, and cannot commit."""
    await make_widget(db, "before")
    async with UnitOfWork(db) as writer:
        writer.session.add(Widget(name="uncommitted"))
        await writer.session.flush()
        reader = UnitOfWork(db).reading()
        async with asyncio.timeout(5), reader:
            names = (await reader.session.scalars(select(Widget.name))).all()
            with pytest.raises(RuntimeError):
                await reader.commit()
        await writer.commit()
    assert names == ["before"]
    async with UnitOfWork(db) as after:  # and the writer's widget once it committed
        assert len((await after.session.scalars(select(Widget))).all()) == 2
