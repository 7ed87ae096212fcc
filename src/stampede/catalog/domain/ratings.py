"""A listing's star rating as buyers see it: the mean of its counted reviews' stars.

Stars are whole numbers 1–5; a deleted review does not count. The mean is shown rounded half
up to one decimal (17 stars over 4 reviews is 4.25, shown 4.3) and is absent without reviews.
Integer arithmetic only, so the same totals always give the same figure.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rating:
    """What a listing shows: ``average`` (None when ``count`` is 0) and ``count``."""

    average: float | None
    count: int


def rating(total: int, count: int) -> Rating:
    """The rating of ``count`` counted reviews whose stars add up to ``total``."""
    if count <= 0:
        return Rating(None, 0)
    tenths = (20 * total + count) // (2 * count)  # round(10 * total / count), halves up
    return Rating(tenths / 10, count)
