"""What community tells other contexts; the only community module they may import.

Reviews are written only by the buyer of a completed order (a delivered phone or deal, a
returned car, a checked-in ticket), once per order. Each change of a review is an event that
carries the review's listing and its stars now, so a consumer (catalog's rating per listing)
can keep each review's latest stars and recompute the average and count, whatever the order
of arrival: ``seq`` grows with every change of one review, and a change older than one already
applied is ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from stampede.kernel.messages import Event


class ReviewEvent(Event):
    source: ClassVar[str] = "community"

    review_id: str
    listing_id: str
    user_id: str
    seq: int = Field(ge=1)  # 1 when posted, +1 on every later change of this review
    at: datetime


class ReviewPosted(ReviewEvent):
    order_id: str
    stars: int = Field(ge=1, le=5)


class ReviewUpdated(ReviewEvent):
    """New stars (edited by its author), or the review counts again (an admin restored it)."""

    stars: int = Field(ge=1, le=5)


class ReviewDeleted(ReviewEvent):
    """The review is gone (by its author, or hidden by an admin): it no longer counts."""
