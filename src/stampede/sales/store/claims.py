"""Writing holds into the durable record and ending them, with the database as final guard.

:meth:`Claims.add` inserts the hold and claims its goods inside the caller's savepoint; a
constraint or guard that refuses raises :class:`Refused` and the savepoint is rolled back, so
nothing of that hold remains. :meth:`Claims.end` ends a live hold once (a conditional update)
and frees its claims; ending a hold that is not live does nothing.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from stampede.kernel.db import Repository
from stampede.sales.domain.holds import Hold, Kind
from stampede.sales.store.records import from_ms
from stampede.sales.store.tables import (
    hold_days,
    hold_pieces,
    hold_seats,
    hold_units,
    holds,
    sales,
)


class Refused(Exception):
    """The database refused a hold the fast inventory granted (it is out of step)."""


class Claims(Repository):
    async def add(self, hold: Hold, created_at: datetime) -> None:
        """Record ``hold`` and claim its goods; :class:`Refused` when the record says no."""
        try:
            async with self.session.begin_nested():
                await self._insert(hold, created_at)
                await self._take_stock(hold)
                await self._count_pieces(hold)
                await self._claim_goods(hold)
        except IntegrityError as exc:
            raise Refused(str(exc.orig)) from exc

    async def _insert(self, hold: Hold, created_at: datetime) -> None:
        await self.session.execute(
            sa.insert(holds).values(
                hold_id=hold.hold_id,
                listing_id=hold.listing_id,
                user_id=hold.user_id,
                kind=hold.kind.value,
                quantity=hold.quantity,
                seat_ids=",".join(hold.seat_ids),
                unit_id=hold.unit_id,
                first_day=hold.first_day,
                end_day=hold.end_day,
                ticket=hold.ticket,
                idempotency_key=hold.idempotency_key,
                expires_at=from_ms(hold.expires_ms),
                created_at=created_at,
            )
        )

    async def _take_stock(self, hold: Hold) -> None:
        if hold.kind is not Kind.STOCK:
            return
        taken = await self.session.execute(
            sa.update(sales)
            .where(
                (sales.c.listing_id == hold.listing_id)
                & (sales.c.taken + hold.quantity <= sales.c.stock)
            )
            .values(taken=sales.c.taken + hold.quantity)
        )
        if not taken.rowcount:  # type: ignore[attr-defined]
            raise IntegrityError("stock", None, Exception("taken would pass stock"))

    async def _count_pieces(self, hold: Hold) -> None:
        key = (hold_pieces.c.listing_id == hold.listing_id) & (
            hold_pieces.c.user_id == hold.user_id
        )
        limit = (
            sa.select(sales.c.per_user_limit)
            .where(sales.c.listing_id == hold.listing_id)
            .scalar_subquery()
        )
        within = (limit == 0) | (hold_pieces.c.pieces + hold.pieces <= limit)
        counted = await self.session.execute(
            sa.update(hold_pieces)
            .where(key & within)
            .values(pieces=hold_pieces.c.pieces + hold.pieces)
        )
        if counted.rowcount:  # type: ignore[attr-defined]
            return
        exists = await self.session.execute(sa.select(hold_pieces.c.pieces).where(key))
        if exists.first() is not None:
            raise IntegrityError("pieces", None, Exception("per-user limit passed"))
        await self.session.execute(
            sa.insert(hold_pieces).values(
                listing_id=hold.listing_id, user_id=hold.user_id, pieces=hold.pieces
            )
        )

    async def _claim_goods(self, hold: Hold) -> None:
        owner = {"hold_id": hold.hold_id}
        if hold.seat_ids:
            await self.session.execute(
                sa.insert(hold_seats), [{"seat_id": s, **owner} for s in hold.seat_ids]
            )
        if hold.unit_id is not None:
            await self.session.execute(sa.insert(hold_units).values(unit_id=hold.unit_id, **owner))
        days = [{"listing_id": hold.listing_id, "day": d, **owner} for d in hold.days]
        if days:
            await self.session.execute(sa.insert(hold_days), days)

    async def end(self, hold: Hold, state: str, at: datetime) -> bool:
        """Mark a live hold ``state`` and free its claims; False when it was not live."""
        ended = await self.session.execute(
            sa.update(holds)
            .where((holds.c.hold_id == hold.hold_id) & (holds.c.state == "live"))
            .values(state=state, ended_at=at)
        )
        if not ended.rowcount:  # type: ignore[attr-defined]
            return False
        for claim in (hold_seats, hold_units, hold_days):
            await self.session.execute(sa.delete(claim).where(claim.c.hold_id == hold.hold_id))
        if hold.kind is Kind.STOCK:
            await self.session.execute(
                sa.update(sales)
                .where(sales.c.listing_id == hold.listing_id)
                .values(taken=sales.c.taken - hold.quantity)
            )
        await self.session.execute(
            sa.update(hold_pieces)
            .where(
                (hold_pieces.c.listing_id == hold.listing_id)
                & (hold_pieces.c.user_id == hold.user_id)
            )
            .values(pieces=hold_pieces.c.pieces - hold.pieces)
        )
        return True
