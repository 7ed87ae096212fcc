"""What every community repository shares: inserting a row once, and the page cursor type."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from stampede.kernel.db import dialect_insert

Before = tuple[datetime, str]  # the (created_at, id) of the last row a page showed


async def insert_once(session: AsyncSession, table: sa.Table, values: dict[str, Any]) -> bool:
    """Insert unless a row with the same key (primary or unique) exists; True when this call
    inserted it. Of two concurrent inserts of one key, one inserts and the other (waiting for
    the first on PostgreSQL) inserts nothing, without an error."""
    statement = dialect_insert(session)(table).values(**values).on_conflict_do_nothing()
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


def newest_first(
    created: sa.ColumnElement[Any], key: sa.ColumnElement[Any], before: Before | None
) -> Any:
    """The condition that a row comes after ``before`` in newest-first order (None: any)."""
    if before is None:
        return sa.true()
    at, last = before
    return sa.or_(created < at, sa.and_(created == at, key < last))


def oldest_first(
    created: sa.ColumnElement[Any], key: sa.ColumnElement[Any], after: Before | None
) -> Any:
    """The condition that a row comes after ``after`` in oldest-first order (None: any)."""
    if after is None:
        return sa.true()
    at, last = after
    return sa.or_(created > at, sa.and_(created == at, key > last))
