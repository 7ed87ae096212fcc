"""The star rating shown on list rows and detail pages: ``{"average": 4.5, "count": 2}``,
``average`` rounded to one decimal and null while no review counts (see ``domain.ratings``)."""

from __future__ import annotations

from pydantic import BaseModel

from stampede.catalog.domain.ratings import rating
from stampede.catalog.store import Listing


class RatingView(BaseModel):
    average: float | None
    count: int


def rating_of(listing: Listing) -> RatingView:
    shown = rating(listing.rating_sum, listing.rating_count)
    return RatingView(average=shown.average, count=shown.count)
