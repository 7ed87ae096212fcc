"""Applies the kernel's and a context's migrations (Alembic, both branches to ``heads``).

The same migrations run on SQLite and PostgreSQL. On PostgreSQL the database is created when
missing and an advisory lock lets replicas start together safely.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import asyncpg
from alembic import command, op
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection, make_url

from stampede.kernel.db import Database

KERNEL_MIGRATIONS = Path(__file__).parent / "migrations"


def _config(connection: Connection, versions: Path) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(KERNEL_MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option(
        "version_locations", os.pathsep.join([str(KERNEL_MIGRATIONS / "versions"), str(versions)])
    )
    cfg.attributes["connection"] = connection
    return cfg


async def migrate(db: Database, versions: Path) -> None:
    """Bring ``db`` to the newest kernel schema and the newest schema in ``versions``."""
    if not db.is_sqlite:
        await ensure_database(db.url)
    else:
        Path(make_url(db.url).database or ".").parent.mkdir(parents=True, exist_ok=True)
    async with db.engine.connect() as conn:
        await conn.run_sync(lambda sync: command.upgrade(_config(sync, versions), "heads"))
        await conn.commit()


async def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` if it does not exist yet."""
    parsed = make_url(url)
    name = parsed.database or ""
    admin_dsn = parsed.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    conn = await asyncpg.connect(admin_dsn, timeout=5)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def create_tables(metadata: MetaData) -> None:
    """In a migration: create every table of ``metadata`` (a context's first revision)."""
    bind = op.get_bind()
    for table in metadata.sorted_tables:
        table.create(bind)


def drop_tables(metadata: MetaData) -> None:
    """In a migration: drop every table of ``metadata``, dependents first."""
    bind = op.get_bind()
    for table in reversed(metadata.sorted_tables):
        table.drop(bind)
