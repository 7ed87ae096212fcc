"""Each listing's star rating follows community's review events (once per event: inbox).

Every event carries the review's stars as of its ``seq``; the catalog keeps each review's latest
change (``store.ratings``) and ignores one not newer than what it holds, so duplicates and any
order of arrival end in the same state; an update after a deletion counts the review again.
Each change of a review locks its listing's row first, then recomputes the listing's totals from
its review rows in the same transaction, so concurrent reviews of one listing (PostgreSQL) are
applied one after the other and the totals are exact. A new rating is a change of the listing
(new version and ETag), announced to no one.

A review of a listing the catalog does not have is kept all the same (it keeps its place in
the review's order of changes) and counted if that listing turns up, from its next review
change on; no listing is touched meanwhile.
"""

from __future__ import annotations

from stampede.catalog.store import CatalogUoW
from stampede.catalog.store.listings import touch
from stampede.catalog.store.ratings import Reviews
from stampede.community.contracts import (
    ReviewDeleted,
    ReviewEvent,
    ReviewPosted,
    ReviewUpdated,
)
from stampede.kernel.module import Subscription


async def _rate(uow: CatalogUoW, event: ReviewEvent, stars: int | None) -> None:
    listing = await uow.listings.get(event.listing_id, for_update=True)
    reviews = Reviews(uow.session)
    changed = await reviews.put(event.review_id, event.listing_id, stars, event.seq)
    if listing is None or not changed:
        return
    total, count = await reviews.totals(listing.id)
    if (listing.rating_sum, listing.rating_count) != (total, count):
        listing.rating_sum, listing.rating_count = total, count
        touch(listing, uow.runtime.now())
        await uow.listings.save()


async def review_posted(event: ReviewPosted, uow: CatalogUoW) -> None:
    await _rate(uow, event, event.stars)


async def review_updated(event: ReviewUpdated, uow: CatalogUoW) -> None:
    await _rate(uow, event, event.stars)


async def review_deleted(event: ReviewDeleted, uow: CatalogUoW) -> None:
    await _rate(uow, event, None)


SUBSCRIPTIONS = (
    Subscription(ReviewPosted, review_posted),
    Subscription(ReviewUpdated, review_updated),
    Subscription(ReviewDeleted, review_deleted),
)
