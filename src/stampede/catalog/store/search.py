"""Substring search over ``listings.search_text``, in Korean and English, on both databases.

Every term must occur (AND); terms are already lower-cased, like ``search_text``.

* SQLite: terms of 3 or more characters go to the FTS5 ``listing_search`` table
  (``tokenize='trigram'``), each quoted as a phrase so any text is a literal; shorter terms,
  which a trigram index cannot serve, use ``LIKE`` on ``search_text``.
* PostgreSQL: each term is an ``ILIKE '%term%'``, served by the GIN trigram index
  (``pg_trgm``) on ``search_text``; several terms combine as a bitmap AND.

``%``, ``_`` and ``\\`` in terms are escaped, so they match themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, column, select, table, text
from sqlalchemy.ext.asyncio import AsyncSession

from stampede.catalog.store.listings import Listing

TRIGRAM = 3
SEARCH = table("listing_search", column("listing_id"), column("search_text"))
ESCAPE = "\\"


def text_matches(dialect: str, terms: Sequence[str]) -> list[ColumnElement[bool]]:
    """Conditions on ``Listing`` that hold when its text contains every term."""
    if not terms:
        return []
    if dialect == "sqlite":
        return _sqlite(terms)
    return [Listing.search_text.ilike(_pattern(term), escape=ESCAPE) for term in terms]


def _sqlite(terms: Sequence[str]) -> list[ColumnElement[bool]]:
    long = [term for term in terms if len(term) >= TRIGRAM]
    short = [term for term in terms if len(term) < TRIGRAM]
    conditions: list[ColumnElement[bool]] = [
        Listing.search_text.like(_pattern(term), escape=ESCAPE) for term in short
    ]
    if long:
        expression = " ".join(_phrase(term) for term in long)
        found = select(SEARCH.c.listing_id).where(SEARCH.c.search_text.match(expression))
        conditions.append(Listing.id.in_(found))
    return conditions


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _pattern(term: str) -> str:
    escaped = term.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return f"%{escaped}%"


async def refresh_statistics(session: AsyncSession) -> None:
    """Let the query planner see a bulk import (so search and lists pick their indexes)."""
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(text("PRAGMA optimize"))
    else:
        await session.execute(text("ANALYZE listings"))
