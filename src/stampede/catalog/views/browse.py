"""Listing pages for buyers and for the companies that sell, and the category list.

Buyers see visible listings only (scheduled and open deals and performances, published devices
and cars); closed ones only when they ask for ``status=closed``. ``window=today`` keeps deals and
performances whose window overlaps today (the Asia/Seoul day of ``Runtime.now()``),
``window=week`` the 7 days from the start of today. Windowed lists (``kind`` deal or
performance, or a ``window``) run by opening time, the others newest first.

Pages are keyset pages: ``next_cursor`` is an opaque token of the last row's sort key; a
malformed cursor, or one from another order, is a 422. Each public list has a weak ETag made
of the count, the sum of versions and the newest change of every matching listing, plus the
query, so a changed listing changes it (a new rating too: it bumps the listing's version).
Each row carries the listing's star rating (``views.ratings``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Literal

from pydantic import BaseModel

from stampede.catalog.domain.listings import CATEGORIES, WINDOWED, Kind, Status
from stampede.catalog.store import (
    VISIBLE,
    CatalogUoW,
    Listing,
    ListingFilter,
    category_counts,
    fingerprint,
    page,
)
from stampede.catalog.store.browse import Key, Order, sort_key
from stampede.catalog.views.ratings import RatingView, rating_of
from stampede.catalog.views.search import terms
from stampede.kernel.auth import Principal
from stampede.kernel.errors import Forbidden, Unprocessable

SEOUL = timezone(timedelta(hours=9), "KST")  # no daylight saving since 1988
Window = Literal["today", "week"]
ALL_STATES = tuple(s.value for s in Status)
ADMIN = "admin"


class ListingSummary(BaseModel):
    id: str
    kind: Kind
    status: Status
    title: str
    category: str
    price: int
    deal_price: int | None
    image: str | None
    opens_at: datetime | None
    closes_at: datetime | None
    company_id: str | None
    created_at: datetime
    rating: RatingView


class ListingPage(BaseModel):
    items: list[ListingSummary]
    next_cursor: str | None


class CategoryView(BaseModel):
    code: str
    ko: str
    en: str
    count: int


@dataclass(frozen=True)
class BrowseQuery:
    kind: Kind | None = None
    category: str | None = None
    q: str | None = None
    window: Window | None = None
    status: Status | None = None
    cursor: str | None = None
    limit: int = 20


@dataclass(frozen=True)
class Listed:
    """A list answer: its ETag, and the page unless the caller's copy is current."""

    etag: str
    page: ListingPage | None


def to_summary(listing: Listing) -> ListingSummary:
    image = listing.images[0] if listing.images else listing.details.get("poster")
    return ListingSummary(
        id=listing.id,
        kind=Kind(listing.kind),
        status=Status(listing.status),
        title=listing.title,
        category=listing.category,
        price=listing.price,
        deal_price=listing.deal_price,
        image=image,
        opens_at=listing.opens_at,
        closes_at=listing.closes_at,
        company_id=listing.company_id,
        created_at=listing.created_at,
        rating=rating_of(listing),
    )


def window_bounds(window: Window, now: datetime) -> tuple[datetime, datetime]:
    """``[start, end)`` of today (Seoul) or of the 7 days from the start of today."""
    local = now.astimezone(SEOUL)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1 if window == "today" else 7)


def public_filter(query: BrowseQuery, now: datetime) -> ListingFilter:
    windowed = query.window is not None or (query.kind is not None and query.kind in WINDOWED)
    return ListingFilter(
        statuses=(query.status.value,) if query.status else VISIBLE,
        kinds=(query.kind.value,) if query.kind else (),
        category=query.category,
        terms=terms(query.q),
        window=window_bounds(query.window, now) if query.window else None,
        order="window" if windowed else "newest",
    )


async def listings(uow: CatalogUoW, query: BrowseQuery, known: frozenset[str]) -> Listed:
    """One page of the public list, or only its ETag when it is among ``known`` ones (entity
    tags without their ``W/`` prefix, or ``*``)."""
    f = public_filter(query, uow.runtime.now())
    after = decode_cursor(query.cursor, f.order)
    async with uow:
        count, versions, newest = await fingerprint(uow.session, f)
        etag = _etag(f, query, f"{count}:{versions}:{newest}")
        if etag.removeprefix("W/") in known or "*" in known:
            return Listed(etag, None)
        return Listed(etag, await _page(uow, f, after, query.limit))


async def _page(uow: CatalogUoW, f: ListingFilter, after: Key | None, limit: int) -> ListingPage:
    rows = await page(uow.session, f, after, limit + 1)
    more = len(rows) > limit
    shown = rows[:limit]
    cursor = encode_cursor(f.order, sort_key(shown[-1], f.order)) if more else None
    return ListingPage(items=[to_summary(row) for row in shown], next_cursor=cursor)


def _etag(f: ListingFilter, query: BrowseQuery, state: str) -> str:
    described = json.dumps([repr(f), query.cursor, query.limit, state], default=str)
    return 'W/"' + hashlib.sha256(described.encode()).hexdigest()[:32] + '"'


async def mine(uow: CatalogUoW, actor: Principal, query: BrowseQuery) -> ListingPage:
    """Every listing (any state) of the caller's companies, newest first; an admin without a
    company gets the listings that have none. 403 for anyone else."""
    after = decode_cursor(query.cursor, "newest")
    async with uow:
        owned: tuple[str | None, ...] = tuple(
            c.id for c in await uow.companies.owned_by(actor.user_id)
        )
        if not owned and not actor.has(ADMIN):
            raise Forbidden("approve a company first", slug="company-required")
        f = ListingFilter(
            statuses=(query.status.value,) if query.status else ALL_STATES,
            kinds=(query.kind.value,) if query.kind else (),
            companies=owned or (None,),
        )
        return await _page(uow, f, after, query.limit)


async def categories(uow: CatalogUoW) -> list[CategoryView]:
    """Every category with its labels and how many visible listings it has."""
    async with uow:
        counts = await category_counts(uow.session)
    return [
        CategoryView(code=code, ko=ko, en=en, count=counts.get(code, 0))
        for code, (ko, en) in CATEGORIES.items()
    ]


def encode_cursor(order: Order, key: Key) -> str:
    at, listing_id = key
    raw = json.dumps({"o": order, "at": at.isoformat(), "id": listing_id}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, order: Order) -> Key | None:
    """The sort key in ``cursor``; 422 ``invalid-cursor`` unless it is one of this order's."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        at, listing_id = datetime.fromisoformat(data["at"]), str(uuid.UUID(data["id"]))
        if data["o"] != order or at.tzinfo is None:
            raise ValueError("cursor of another list")
        at = at.astimezone(UTC)
    except (binascii.Error, ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        raise Unprocessable("the cursor is not valid for this list", slug="invalid-cursor") from exc
    return at, listing_id
