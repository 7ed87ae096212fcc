"""What members and guests read of reviews: a listing's reviews with their average and count,
one review, and (members) their completed orders still waiting for a review.

The average and count are of visible reviews only: a hidden or deleted review no longer
counts. The order a review is for is shown only to its author and to admins.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from stampede.community.domain.access import is_admin, seen
from stampede.community.domain.render import to_html
from stampede.community.domain.reviews import Review
from stampede.community.store import CommunityUoW
from stampede.community.views import cursors
from stampede.community.views.models import MAX_PAGE, Author
from stampede.kernel.auth import Principal


class ReviewView(BaseModel):
    id: str
    listing_id: str
    order_id: str | None  # the author's and admins' only
    author: Author
    stars: int
    body: str
    body_html: str
    state: str  # visible | hidden (admins only see hidden reviews)
    created_at: datetime
    updated_at: datetime


class ReviewPage(BaseModel):
    listing_id: str
    average: float | None  # of the visible reviews' stars, to two decimals; None without any
    count: int
    items: list[ReviewView]
    next_cursor: str | None


class Reviewable(BaseModel):
    order_id: str
    listing_id: str
    listing_kind: str
    title: str
    completed_at: datetime


def _admin(user: Principal | None) -> bool:
    return is_admin(None if user is None else user.roles)


def review_view(review: Review, user: Principal | None) -> ReviewView:
    mine = user is not None and (user.user_id == review.user_id or _admin(user))
    return ReviewView(
        id=review.id, listing_id=review.listing_id, order_id=review.order_id if mine else None,
        author=Author(id=review.user_id, name=review.author_name), stars=review.stars,
        body=review.body, body_html=to_html(review.body), state=review.state,
        created_at=review.created_at, updated_at=review.updated_at,
    )  # fmt: skip


async def reviews(
    uow: CommunityUoW, user: Principal | None, listing_id: str, page: tuple[str | None, int]
) -> ReviewPage:
    """The listing's reviews, newest first, with the average stars and the count."""
    cursor, limit = page
    before, limit = cursors.decode(cursor), max(1, min(limit, MAX_PAGE))
    async with uow.reading():
        average, count = await uow.reviews.summary(listing_id)
        found = await uow.reviews.page(listing_id, before, limit + 1, hidden=_admin(user))
    shown = found[:limit]
    last = cursors.encode(shown[-1].created_at, shown[-1].id) if len(found) > limit else None
    return ReviewPage(
        listing_id=listing_id,
        average=None if average is None else round(average, 2),
        count=count,
        items=[review_view(review, user) for review in shown],
        next_cursor=last,
    )


async def review(uow: CommunityUoW, user: Principal | None, review_id: str) -> ReviewView:
    """One review; 404 ``no-review`` when missing, deleted, or hidden from the caller."""
    async with uow.reading():
        found = await uow.reviews.get(review_id)
    seen(None if found is None else found.state, _admin(user), "review")
    assert found is not None
    return review_view(found, user)


async def reviewable(uow: CommunityUoW, user: Principal) -> list[Reviewable]:
    """The caller's completed orders without a review yet, oldest first."""
    async with uow.reading():
        orders = await uow.orders.of(user.user_id)
    return [
        Reviewable(
            order_id=o.order_id,
            listing_id=o.listing_id,
            listing_kind=o.listing_kind,
            title=o.title,
            completed_at=o.completed_at,
        )  # fmt: skip
        for o in orders
        if not o.reviewed
    ]
