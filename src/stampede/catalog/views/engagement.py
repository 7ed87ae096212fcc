"""Read side of likes and keywords: the caller's wish list and keyword subscriptions.

The wish list is the caller's liked listings that are not deleted, newest like first, in pages
of at most :data:`MAX_PAGE`. ``next_cursor`` is opaque (the last row's like time and listing id)
and is ``null`` on the last page; a page read with a cursor continues exactly after that row,
even when likes are added meanwhile. A cursor that was not made here is a 422
``invalid-cursor``, as for the listing pages.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime

from pydantic import BaseModel

from stampede.catalog.store import CatalogUoW
from stampede.catalog.store.engagement import KeywordSubscription
from stampede.kernel.errors import Unprocessable

MAX_PAGE = 100
DEFAULT_PAGE = 20


class WishItem(BaseModel):
    """``price`` is the listing's list price; ``deal_price`` the deal's price, if any."""

    listing_id: str
    title: str
    kind: str
    price: int
    deal_price: int | None
    status: str
    opens_at: datetime | None
    closes_at: datetime | None
    liked_at: datetime


class WishlistPage(BaseModel):
    items: list[WishItem]
    next_cursor: str | None


class KeywordView(BaseModel):
    id: str
    keyword: str
    created_at: datetime


class KeywordList(BaseModel):
    items: list[KeywordView]


def encode_cursor(liked_at: datetime, listing_id: str) -> str:
    raw = json.dumps([liked_at.isoformat(), listing_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """(liked_at, listing_id) from a cursor; 422 ``invalid-cursor`` if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, listing_id = json.loads(raw)
        liked_at = datetime.fromisoformat(stamp)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise Unprocessable("the cursor is not valid", slug="invalid-cursor") from exc
    if liked_at.tzinfo is None or not isinstance(listing_id, str):
        raise Unprocessable("the cursor is not valid", slug="invalid-cursor")
    return liked_at, listing_id


async def wishlist(
    uow: CatalogUoW, user_id: str, cursor: str | None = None, limit: int = DEFAULT_PAGE
) -> WishlistPage:
    limit = max(1, min(limit, MAX_PAGE))
    before = decode_cursor(cursor) if cursor else None
    async with uow:
        rows = await uow.engagement.wishlist(user_id, before, limit + 1)
    items = [WishItem.model_validate(row, from_attributes=True) for row in rows[:limit]]
    more = len(rows) > limit
    last = items[-1] if items and more else None
    return WishlistPage(
        items=items,
        next_cursor=encode_cursor(last.liked_at, last.listing_id) if last else None,
    )


def to_keyword(row: KeywordSubscription) -> KeywordView:
    return KeywordView(id=row.id, keyword=row.keyword, created_at=row.created_at.astimezone(UTC))


async def keywords(uow: CatalogUoW, user_id: str) -> KeywordList:
    """The caller's keywords, oldest first (at most 20, so there is no paging)."""
    async with uow:
        rows = await uow.engagement.keywords(user_id)
        return KeywordList(items=[to_keyword(row) for row in rows])
