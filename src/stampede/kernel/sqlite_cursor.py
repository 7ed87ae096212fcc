"""One hand-off to SQLite's thread per statement instead of four.

aiosqlite runs every call on a connection in that connection's own thread, and SQLAlchemy's
adapter makes four such calls per statement: open a cursor, execute, fetch the rows, close the
cursor (and a ``BEGIN`` is a statement too). Each hand-off returns through the event loop, so
under load each costs a turn of a busy loop — a read of two statements took a dozen turns,
while SQLite itself needed well under a millisecond. :class:`OneHopCursor` runs all four steps
in one call in the connection's thread and keeps what SQLAlchemy asks of a cursor afterwards
(rows, description, row count, last row id).

It relies on two of aiosqlite's internals (``Connection._execute`` runs a function in the
connection's thread, ``Connection._conn`` is its ``sqlite3.Connection``), checked by the
database contract tests that run on every change; :func:`install` puts it in place for every
SQLite engine of the process.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
)
from sqlalchemy.util import EMPTY_DICT

Ran = tuple[Any, int, int | None, list[Any]]  # description, row count, last row id, rows


def _execute(conn: sqlite3.Connection, operation: str, parameters: Any) -> Ran:
    cursor = conn.cursor()
    try:
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


def _executemany(conn: sqlite3.Connection, operation: str, parameters: Any) -> Ran:
    cursor = conn.cursor()
    try:
        cursor.executemany(operation, parameters)
        return cursor.description, cursor.rowcount, cursor.lastrowid, []
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor, with each statement one call in SQLite's thread."""

    __slots__ = ("_ran",)

    def __init__(self, adapt_connection: Any) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._ran: Ran = (None, -1, None, [])

    @property
    def description(self) -> Any:
        return self._ran[0]

    @property
    def rowcount(self) -> int:
        return self._ran[1]

    @property
    def lastrowid(self) -> Any:
        return self._ran[2]

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass

    async def _async_soft_close(self) -> None:
        return None

    def close(self) -> None:
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        await self._run(_execute, operation, parameters)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        await self._run(_executemany, operation, seq_of_parameters)

    async def _run(self, step: Any, operation: Any, parameters: Any) -> None:
        async with self._adapt_connection._execute_mutex:
            connection = self._connection
            self._ran = await connection._execute(step, connection._conn, operation, parameters)
            self._rows = collections.deque(self._ran[3])


def install() -> None:
    """Every aiosqlite connection of this process opens :class:`OneHopCursor` cursors."""
    AsyncAdapt_aiosqlite_connection._cursor_cls = OneHopCursor
