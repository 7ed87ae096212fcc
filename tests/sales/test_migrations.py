"""sales_0002 gives ``holds`` its ``order_id`` on a database sales_0001 made before the column
existed, leaves one made since as it is, and goes back down; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

import stampede.sales
from stampede.kernel.db import Database
from stampede.kernel.migrate import _config, migrate

VERSIONS = Path(stampede.sales.__file__).parent / "migrations"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/sales.db"
    else:
        url = request.getfixturevalue("postgres_url")
    database = Database(url, "sales")
    yield database
    await database.dispose()


async def _columns(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        found = await conn.run_sync(lambda sync: sa.inspect(sync).get_columns("holds"))
    return {column["name"] for column in found}


async def _down_to(db: Database, revision: str) -> None:
    async with db.engine.connect() as conn:
        await conn.run_sync(lambda sync: command.downgrade(_config(sync, VERSIONS), revision))
        await conn.commit()


async def test_order_id_is_added_once_and_taken_away_on_the_way_down(db: Database) -> None:
    await migrate(db, VERSIONS)
    assert "order_id" in await _columns(db)
    await _down_to(db, "sales_0001")  # as a database made before sales_0002 was written
    assert "order_id" not in await _columns(db)
    await migrate(db, VERSIONS)
    await migrate(db, VERSIONS)  # a second run is a no-op
    assert "order_id" in await _columns(db)
    async with db.engine.connect() as conn:
        heads = set(
            (await conn.execute(sa.text("SELECT version_num FROM alembic_version"))).scalars()
        )
    assert "sales_0002" in heads
