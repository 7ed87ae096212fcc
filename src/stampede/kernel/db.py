"""The database seam: one async engine per context, chosen by URL, and the unit of work.

``sqlite+aiosqlite://`` runs in WAL mode. Its writing transactions (``BEGIN IMMEDIATE``, so a
read never has to upgrade to a write lock) share one connection per database: writers queue
for it in this process in arrival order, instead of sleeping and retrying inside SQLite's busy
handler while they hold up the event loop's other work. Units of work opened for reading
(:meth:`UnitOfWork.reading`) take a pool of their own and a plain ``BEGIN``: they read a
snapshot of the last commit beside the writer. ``postgresql+asyncpg://`` is one pool, used as
is. Only :meth:`UnitOfWork.commit` commits; leaving the block without it rolls back.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any, Self

from sqlalchemy import event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from stampede.kernel import sqlite_cursor
from stampede.kernel.errors import ConfigurationError, Conflict
from stampede.kernel.messages import Envelope, Event
from stampede.kernel.outbox import outbox_row
from stampede.kernel.tracing import current_traceparent

READING = "stampede_reading"  # execution option of the sessions of reading units of work


class Database:
    """An engine, a session factory and the signal that wakes the outbox relay."""

    def __init__(self, url: str, context: str) -> None:
        self.url = url
        self.context = context
        self.engine = _engine(url, writing=True)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.read_engine = _engine(url, writing=False) if self.is_sqlite else self.engine
        readers = self.read_engine.execution_options(**{READING: True})
        self.read_sessions = async_sessionmaker(readers, expire_on_commit=False)
        self.outbox_signal = asyncio.Event()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    async def ping(self) -> None:
        async with self.read_engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()


def _engine(url: str, *, writing: bool) -> AsyncEngine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError("DATABASE_URL", f"not a database URL: {url!r}") from exc
    if parsed.drivername == "sqlite+aiosqlite":
        return _sqlite_engine(url, pool=1 if writing else SQLITE_READERS)
    if parsed.drivername == "postgresql+asyncpg":
        return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)
    raise ConfigurationError(
        "DATABASE_URL",
        f"unsupported driver {parsed.drivername!r} (sqlite+aiosqlite:// or postgresql+asyncpg://)",
    )


# Reading connections kept open per SQLite database. Each is a thread (aiosqlite) plus four
# PRAGMAs to open, so a pool smaller than the usual concurrency opens and closes one per request
# beyond it.
SQLITE_READERS = 32


def _sqlite_engine(url: str, pool: int) -> AsyncEngine:
    sqlite_cursor.install()
    engine = create_async_engine(
        url, connect_args={"timeout": 30}, pool_size=pool, max_overflow=0, pool_timeout=30
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(
            "BEGIN" if conn.get_execution_options().get(READING) else "BEGIN IMMEDIATE"
        )

    return engine


class UnitOfWork:
    """One transaction: state changes plus the outbox rows of the events they emit.

    Contexts subclass it to add repositories over ``self.session``.
    """

    session: AsyncSession

    def __init__(self, db: Database) -> None:
        self.db = db
        self.message_id = ""  # the id of the message a consumer handles in this unit, if any
        self._emitted = False
        self._reading = False

    def reading(self) -> Self:
        """Open the next block for reads only: on SQLite it takes no write lock, so reads run
        beside writers (on a snapshot of the last commit); it cannot commit."""
        self._reading = True
        return self

    async def __aenter__(self) -> Self:
        self.session = (self.db.read_sessions if self._reading else self.db.sessions)()
        self._emitted = False
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            await self.session.rollback()
        finally:
            self._reading = False
            await self.session.close()

    def emit(self, event: Event, subject: str = "") -> Envelope:
        """Write ``event`` to the outbox in this transaction; it is published after commit."""
        envelope = Envelope.wrap(event, subject=subject, traceparent=current_traceparent())
        self.session.add(outbox_row(envelope))
        self._emitted = True
        return envelope

    async def commit(self) -> None:
        if self._reading:
            raise RuntimeError("a unit of work opened for reading does not commit")
        await self.session.commit()
        if self._emitted:
            self.db.outbox_signal.set()
            self._emitted = False

    async def rollback(self) -> None:
        await self.session.rollback()
        self._emitted = False


class Repository:
    """Base of a context's repositories: SQL over the unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def insert(self, table: Any) -> Any:
        """An INSERT into ``table`` in this database's dialect (PostgreSQL or SQLite), which
        knows ``on_conflict_do_nothing`` / ``on_conflict_do_update`` and ``excluded``."""
        return dialect_insert(self.session)(table)

    async def flush_or_conflict(self, conflicts: dict[str, Conflict]) -> None:
        """Flush; a unique violation naming a column in ``conflicts`` raises that 409."""
        try:
            await self.session.flush()
        except IntegrityError as exc:
            message = str(exc.orig)
            for column, error in conflicts.items():
                if column in message:
                    raise error.fresh() from exc
            raise


def dialect_insert(session: AsyncSession) -> Any:
    """``insert`` of the session's dialect: PostgreSQL's or SQLite's (both know ON CONFLICT)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert
