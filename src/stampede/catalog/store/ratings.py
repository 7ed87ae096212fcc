"""The catalog's copy of each review's latest stars (from community's review events), from
which a listing's rating totals are recomputed.

One row per review: its listing, its stars (NULL while deleted) and the ``seq`` of the change
the row holds. A change is written only when its ``seq`` is higher than the stored one, in one
``INSERT … ON CONFLICT DO UPDATE … WHERE`` statement, so duplicates and late arrivals change
nothing and two writers of one review cannot both insert it.
"""

from __future__ import annotations

import sqlalchemy as sa

from stampede.catalog.store.base import Base
from stampede.kernel.db import Repository
from stampede.kernel.sqltypes import Uuid

listing_reviews = sa.Table(
    "listing_reviews",
    Base.metadata,
    sa.Column("review_id", Uuid(), primary_key=True),
    sa.Column("listing_id", Uuid(), nullable=False, index=True),
    sa.Column("stars", sa.Integer(), nullable=True),
    sa.Column("seq", sa.Integer(), nullable=False),
)


class Reviews(Repository):
    async def put(self, review_id: str, listing_id: str, stars: int | None, seq: int) -> bool:
        """Keep the review's ``stars`` as of change ``seq`` (None: deleted) unless a change
        with the same or a higher ``seq`` is stored; True when the row changed. A review stays
        with the listing it was first seen with."""
        values = {"review_id": review_id, "listing_id": listing_id, "stars": stars, "seq": seq}
        insert = self.insert(listing_reviews).values(**values)
        upsert = insert.on_conflict_do_update(
            index_elements=[listing_reviews.c.review_id],
            set_={"stars": insert.excluded.stars, "seq": insert.excluded.seq},
            where=listing_reviews.c.seq < insert.excluded.seq,
        )
        result = await self.session.execute(upsert)
        return bool(getattr(result, "rowcount", 0))

    async def totals(self, listing_id: str) -> tuple[int, int]:
        """(sum of stars, number) of the listing's reviews that count (not deleted)."""
        query = sa.select(
            sa.func.coalesce(sa.func.sum(listing_reviews.c.stars), 0),
            sa.func.count(listing_reviews.c.stars),
        ).where(listing_reviews.c.listing_id == listing_id)
        total, count = (await self.session.execute(query)).one()
        return int(total), int(count)
