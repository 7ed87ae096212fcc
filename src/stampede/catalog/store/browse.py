"""The read queries behind listing pages: filters, keyset pages, fingerprints, category counts.

Two orders, each a total order so keyset pages never skip or repeat a row:
``window`` — ``opens_at`` then ``id``, ascending (deal and performance lists);
``newest`` — ``created_at`` then ``id``, descending (everything else).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from stampede.catalog.store.listings import VISIBLE, Listing
from stampede.catalog.store.search import text_matches

Order = Literal["window", "newest"]
Key = tuple[datetime, str]


@dataclass(frozen=True)
class ListingFilter:
    """Which listings a page shows; every given part must hold.

    ``companies`` limits to those companies' listings, ``None`` in it meaning listings without
    a company; ``window`` keeps windowed listings whose sale window overlaps ``[start, end)``.
    """

    statuses: tuple[str, ...] = VISIBLE
    kinds: tuple[str, ...] = ()
    category: str | None = None
    terms: tuple[str, ...] = ()
    window: tuple[datetime, datetime] | None = None
    companies: tuple[str | None, ...] | None = None
    order: Order = "newest"


def _conditions(dialect: str, f: ListingFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = [Listing.status.in_(f.statuses)]
    if f.kinds:
        found.append(Listing.kind.in_(f.kinds))
    if f.category is not None:
        found.append(Listing.category == f.category)
    if f.window is not None:
        start, end = f.window
        found += [Listing.opens_at < end, Listing.closes_at > start]
    if f.order == "window":
        found.append(Listing.opens_at.is_not(None))
    if f.companies is not None:
        found.append(_of_companies(f.companies))
    return found + text_matches(dialect, f.terms)


def _of_companies(companies: tuple[str | None, ...]) -> ColumnElement[bool]:
    ids = [c for c in companies if c is not None]
    either = [Listing.company_id.in_(ids)]
    if None in companies:
        either.append(Listing.company_id.is_(None))
    return or_(*either)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def sort_key(listing: Listing, order: Order) -> Key:
    """Where ``listing`` sits in ``order``: what a cursor after it records."""
    if order == "window" and listing.opens_at is not None:
        return listing.opens_at, listing.id
    return listing.created_at, listing.id


def _after(order: Order, key: Key) -> ColumnElement[bool]:
    at, listing_id = key
    if order == "window":
        column = Listing.opens_at
        return or_(column > at, and_(column == at, Listing.id > listing_id))
    column = Listing.created_at
    return or_(column < at, and_(column == at, Listing.id < listing_id))


async def page(
    session: AsyncSession, f: ListingFilter, after: Key | None, limit: int
) -> Sequence[Listing]:
    """Up to ``limit`` listings that come after ``after`` in the filter's order."""
    query = select(Listing).where(*_conditions(_dialect(session), f))
    if after is not None:
        query = query.where(_after(f.order, after))
    if f.order == "window":
        query = query.order_by(Listing.opens_at, Listing.id)
    else:
        query = query.order_by(Listing.created_at.desc(), Listing.id.desc())
    return (await session.scalars(query.limit(limit))).all()


async def fingerprint(session: AsyncSession, f: ListingFilter) -> tuple[int, int, str]:
    """What list ETags are made of: count, sum of versions and newest change of the catalog.

    Every write to a listing (create, edit, status change, delete) bumps its ``version``, so a
    list's content cannot change without this triple changing. It reads one small covering index
    (``ix_listings_updated_at``) instead of the matching rows; the filter is in the ETag already.
    """
    query = select(
        func.count(), func.coalesce(func.sum(Listing.version), 0), func.max(Listing.updated_at)
    )
    count, versions, newest = (await session.execute(query)).one()
    return int(count), int(versions), str(newest)


async def category_counts(session: AsyncSession) -> dict[str, int]:
    """How many visible listings each category has (categories without any are absent)."""
    rows = await session.execute(
        select(Listing.category, func.count())
        .where(Listing.status.in_(VISIBLE))
        .group_by(Listing.category)
    )
    return {category: int(count) for category, count in rows}
