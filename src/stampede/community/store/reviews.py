"""SQL over reviews and the completed orders that allow them.

One review per order is the unique ``order_id``; a second (or concurrent) review of an order
inserts nothing. A listing's average and count are computed over its visible reviews by the
database, from the ``(listing_id, state, …)`` index.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

import sqlalchemy as sa

from stampede.community.domain.access import VISIBLE
from stampede.community.domain.reviews import CompletedOrder, Review
from stampede.community.store.base import Before, insert_once, newest_first
from stampede.community.store.tables import completed_orders, members, reviews
from stampede.kernel.db import Repository

_AUTHOR = members.c.name.label("author_name")
_JOINED = reviews.outerjoin(members, members.c.user_id == reviews.c.user_id)
_ORDER_FIELDS = [f.name for f in fields(CompletedOrder) if f.name != "reviewed"]


def _review(row: Any) -> Review:
    return Review(**row._mapping)


class Reviews(Repository):
    async def add(self, review: Review) -> bool:
        """False when the order has a review already."""
        values = {k: v for k, v in asdict(review).items() if k != "author_name"}
        return await insert_once(self.session, reviews, values)

    async def get(self, review_id: str, *, lock: bool = False) -> Review | None:
        query = sa.select(reviews, _AUTHOR).select_from(_JOINED).where(reviews.c.id == review_id)
        if lock:
            query = query.with_for_update(of=reviews)
        row = (await self.session.execute(query)).first()
        return None if row is None else _review(row)

    async def save(self, review: Review) -> None:
        """Write the review's stars, text, state, ``seq`` and time of change."""
        changes = {k: getattr(review, k) for k in ("stars", "body", "state", "seq", "updated_at")}
        await self.session.execute(
            reviews.update().where(reviews.c.id == review.id).values(**changes)
        )

    async def page(
        self, listing_id: str, before: Before | None, limit: int, *, hidden: bool
    ) -> list[Review]:
        """The listing's reviews, newest first, after ``before``; hidden ones only when
        ``hidden`` (deleted ones never)."""
        shown = ("visible", "hidden") if hidden else (VISIBLE,)
        query = (
            sa.select(reviews, _AUTHOR)
            .select_from(_JOINED)
            .where(reviews.c.listing_id == listing_id, reviews.c.state.in_(shown))
            .where(newest_first(reviews.c.created_at, reviews.c.id, before))
            .order_by(reviews.c.created_at.desc(), reviews.c.id.desc())
            .limit(limit)
        )
        return [_review(row) for row in await self.session.execute(query)]

    async def summary(self, listing_id: str) -> tuple[float | None, int]:
        """The average stars and the number of the listing's visible reviews."""
        query = sa.select(sa.func.avg(reviews.c.stars), sa.func.count()).where(
            reviews.c.listing_id == listing_id, reviews.c.state == VISIBLE
        )
        average, count = (await self.session.execute(query)).one()
        return (None if average is None else float(average)), int(count)


class CompletedOrders(Repository):
    async def remember(self, order: CompletedOrder) -> None:
        """Record a completed order (again: nothing changes)."""
        values = {name: getattr(order, name) for name in _ORDER_FIELDS}
        await insert_once(self.session, completed_orders, values)

    async def of(self, user_id: str, listing_id: str | None = None) -> list[CompletedOrder]:
        """The member's completed orders (of one listing when given), oldest first, each
        marked when it has its review."""
        c = completed_orders.c
        reviewed = sa.exists().where(reviews.c.order_id == c.order_id).label("reviewed")
        query = sa.select(*[c[n] for n in _ORDER_FIELDS], reviewed).where(c.user_id == user_id)
        if listing_id is not None:
            query = query.where(c.listing_id == listing_id)
        query = query.order_by(c.completed_at, c.order_id)
        rows = await self.session.execute(query)
        return [CompletedOrder(**{**row._mapping, "reviewed": bool(row.reviewed)}) for row in rows]
