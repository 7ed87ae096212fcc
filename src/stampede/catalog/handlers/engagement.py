"""Likes and keyword subscriptions: each call is one unit of work that commits once.

Liking is idempotent: a second like (even a concurrent one) changes nothing and emits nothing;
only listings buyers can see may be liked (404 otherwise, the same as for an unknown id).
Unliking is idempotent too and emits LikeRemoved only when there was a like to remove.
Keywords are normalised (NFC, trimmed, inner spaces collapsed, lower-cased) and must be 2–30
characters; subscribing to one the user holds already returns that subscription and emits
nothing; a user holds at most 20. Another user's subscription id is a 404, like an unknown one.
"""

from __future__ import annotations

import unicodedata

from stampede.catalog.contracts import (
    KeywordSubscribed,
    KeywordUnsubscribed,
    LikeAdded,
    LikeRemoved,
)
from stampede.catalog.store import PUBLIC, CatalogUoW
from stampede.catalog.store.engagement import KEYWORD_SLOTS, KeywordSubscription
from stampede.kernel.errors import Conflict, NotFound, Unprocessable
from stampede.kernel.module import Subscription

KEYWORD_MIN, KEYWORD_MAX, KEYWORDS_PER_USER = 2, 30, KEYWORD_SLOTS
SLOT_TRIES = 3  # free slots tried before a subscription that keeps losing races gives up


async def like(uow: CatalogUoW, user_id: str, listing_id: str) -> int:
    """Like a visible listing; returns how many users like it now."""
    async with uow:
        if await uow.engagement.listing_status(listing_id) not in PUBLIC:
            raise NotFound("no such listing", slug="listing-not-found")
        if await uow.engagement.add_like(user_id, listing_id, uow.runtime.now()):
            uow.emit(LikeAdded(listing_id=listing_id, user_id=user_id), subject=listing_id)
        likes = await uow.engagement.like_count(listing_id)
        await uow.commit()
    return likes


async def unlike(uow: CatalogUoW, user_id: str, listing_id: str) -> None:
    """Remove the like if there is one (whatever the listing's state)."""
    async with uow:
        if await uow.engagement.remove_like(user_id, listing_id):
            uow.emit(LikeRemoved(listing_id=listing_id, user_id=user_id), subject=listing_id)
        await uow.commit()


def normal_keyword(raw: str) -> str:
    """The keyword as stored and matched; 422 ``invalid-keyword`` outside 2–30 characters."""
    keyword = " ".join(unicodedata.normalize("NFC", raw).split()).lower()
    if not KEYWORD_MIN <= len(keyword) <= KEYWORD_MAX:
        raise Unprocessable(
            f"a keyword has {KEYWORD_MIN} to {KEYWORD_MAX} characters", slug="invalid-keyword"
        )
    return keyword


async def subscribe_keyword(uow: CatalogUoW, user_id: str, raw: str) -> KeywordSubscription:
    """The user's subscription to the keyword, created (and announced) when new; 409
    ``too-many-keywords`` when the user holds 20 already."""
    keyword = normal_keyword(raw)
    async with uow:
        found = await uow.engagement.keyword(user_id, keyword)
        if found is None:
            found = await _new_subscription(uow, user_id, keyword)
        await uow.commit()
    return found


async def _new_subscription(uow: CatalogUoW, user_id: str, keyword: str) -> KeywordSubscription:
    """The keyword in the user's lowest free slot. A concurrent request that took the same
    keyword wins (its row is returned); one that took the same slot sends this one to the
    next free slot, or to 409 when none is left."""
    for _ in range(SLOT_TRIES):
        slot = await uow.engagement.free_keyword_slot(user_id)
        if slot is None:
            raise Conflict(
                f"a user can follow at most {KEYWORDS_PER_USER} keywords", slug="too-many-keywords"
            )
        row = KeywordSubscription(
            user_id=user_id, keyword=keyword, slot=slot, created_at=uow.runtime.now()
        )
        if await uow.engagement.add_keyword(row):
            event = KeywordSubscribed(subscription_id=row.id, user_id=user_id, keyword=keyword)
            uow.emit(event, subject=user_id)
            return row
        existing = await uow.engagement.keyword(user_id, keyword)
        if existing is not None:
            return existing
    raise Conflict("the keywords changed concurrently; try again", slug="keyword-busy")


async def unsubscribe_keyword(uow: CatalogUoW, user_id: str, subscription_id: str) -> None:
    """Remove the user's own subscription; 404 ``keyword-not-found`` for any other id."""
    async with uow:
        found = await uow.engagement.keyword_by_id(subscription_id)
        if found is None or found.user_id != user_id:
            raise NotFound("no such keyword subscription", slug="keyword-not-found")
        await uow.engagement.remove_keyword(found)
        event = KeywordUnsubscribed(subscription_id=subscription_id, user_id=user_id)
        uow.emit(event, subject=user_id)
        await uow.commit()


SUBSCRIPTIONS: tuple[Subscription, ...] = ()
