"""Reviews and star ratings, and the completed orders that allow them.

Only the buyer of a **completed** order (a delivered phone or deal, a returned car, a
checked-in ticket) reviews its listing, once per order — also after deleting that review.
A review has 1 to 5 stars and a text. Its ``seq`` is 1 when posted and grows by one with every
change (an edit, a deletion, an admin hiding or restoring it); every change is announced with
the new ``seq`` (see :mod:`stampede.community.contracts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from stampede.community.contracts import ReviewDeleted, ReviewPosted, ReviewUpdated
from stampede.kernel.errors import Conflict, Forbidden

STARS_MIN, STARS_MAX = 1, 5
REVIEW_MAX = 2_000
COMPLETED = "COMPLETED"


@dataclass
class Review:
    id: str
    order_id: str
    listing_id: str
    user_id: str
    stars: int
    body: str
    state: str  # visible | hidden | deleted
    seq: int
    created_at: datetime
    updated_at: datetime
    author_name: str | None = None


@dataclass(frozen=True)
class CompletedOrder:
    order_id: str
    user_id: str
    listing_id: str
    listing_kind: str
    title: str
    completed_at: datetime
    reviewed: bool = False  # a review of this order exists (in any state)


def order_to_review(orders: Sequence[CompletedOrder], order_id: str | None) -> CompletedOrder:
    """The completed order a new review is for: ``order_id`` when given, else the oldest one
    not reviewed yet. 403 ``no-completed-order`` when the caller has no such completed order of
    the listing; 409 ``already-reviewed`` when it (or every one) has its review."""
    chosen = [o for o in orders if order_id is None or o.order_id == order_id]
    if not chosen:
        raise Forbidden("only the buyer of a completed order reviews it", slug="no-completed-order")
    waiting = [o for o in chosen if not o.reviewed]
    if not waiting:
        raise already_reviewed()
    return min(waiting, key=lambda o: (o.completed_at, o.order_id))


def already_reviewed() -> Conflict:
    return Conflict("this order has its review already", slug="already-reviewed")


def posted(review: Review) -> ReviewPosted:
    return ReviewPosted(
        review_id=review.id,
        listing_id=review.listing_id,
        user_id=review.user_id,
        seq=review.seq,
        at=review.updated_at,
        order_id=review.order_id,
        stars=review.stars,
    )


def updated(review: Review) -> ReviewUpdated:
    """An edit by its author, or a restore by an admin: the review counts with these stars."""
    return ReviewUpdated(
        review_id=review.id,
        listing_id=review.listing_id,
        user_id=review.user_id,
        seq=review.seq,
        at=review.updated_at,
        stars=review.stars,
    )


def deleted(review: Review) -> ReviewDeleted:
    """Deleted by its author or hidden by an admin: the review no longer counts."""
    return ReviewDeleted(
        review_id=review.id,
        listing_id=review.listing_id,
        user_id=review.user_id,
        seq=review.seq,
        at=review.updated_at,
    )
