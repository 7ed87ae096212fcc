"""Writing holds into the durable record and ending them, with the database as final guard.

:meth:`Claims.add_all` records a batch of grants in a few statements (one insert per table,
one stock update per sale); if the database refuses any of them the caller rolls back and
records them one by one with :meth:`Claims.add`, each inside a savepoint, so only the refused
ones are dropped (:class:`Refused`). The guards: primary keys of the seat, unit and day claims;
a conditional stock update (taken never passes stock); the per-user count checked against
``cap``, the sale's limit at the grant (a release clears ``cap``: limits guard grants only).
:meth:`Claims.end` ends a live hold once (a conditional update) and frees its claims;
:meth:`Claims.take` gives a live hold to an order. Both are conditional on the hold's owner (no
order, or the one order that took it), so a take and an end racing on one hold serialize on
its row: whichever commits first wins and the other changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

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

Grant = tuple[Hold, int]  # a hold and the sale's per-user limit when it was granted


class Refused(Exception):
    """The database refused a hold the fast inventory granted (it is out of step)."""


class Claims(Repository):
    async def add_all(self, grants: Sequence[Grant], created_at: datetime) -> None:
        """Record every grant; IntegrityError or :class:`Refused` when any one is refused."""
        await self.session.execute(sa.insert(holds), [_row(h, created_at) for h, _ in grants])
        await self._take_stock([hold for hold, _ in grants])
        await self._count_pieces(grants)
        await self._claim_goods([hold for hold, _ in grants])

    async def add(self, grant: Grant, created_at: datetime) -> None:
        """Record one grant in a savepoint; :class:`Refused` (and nothing written) if refused."""
        try:
            async with self.session.begin_nested():
                await self.add_all([grant], created_at)
        except IntegrityError as exc:
            raise Refused(str(exc.orig)) from exc

    async def _take_stock(self, granted: Sequence[Hold]) -> None:
        wanted: Counter[str] = Counter()
        for hold in granted:
            if hold.kind is Kind.STOCK:
                wanted[hold.listing_id] += hold.quantity
        for listing_id, quantity in wanted.items():
            taken = await self.session.execute(
                sa.update(sales)
                .where(
                    (sales.c.listing_id == listing_id) & (sales.c.taken + quantity <= sales.c.stock)
                )
                .values(taken=sales.c.taken + quantity)
            )
            if not taken.rowcount:  # type: ignore[attr-defined]
                raise Refused(f"taking {quantity} would pass the stock of {listing_id}")

    async def _count_pieces(self, grants: Sequence[Grant]) -> None:
        counts: Counter[tuple[str, str]] = Counter()
        caps: dict[tuple[str, str], int] = {}
        for hold, cap in grants:
            counts[(hold.listing_id, hold.user_id)] += hold.pieces
            caps[(hold.listing_id, hold.user_id)] = cap
        rows = [
            {"listing_id": sale, "user_id": user, "pieces": n, "cap": caps[(sale, user)]}
            for (sale, user), n in counts.items()
        ]
        upsert = self.insert(hold_pieces)
        await self.session.execute(
            upsert.on_conflict_do_update(
                index_elements=[hold_pieces.c.listing_id, hold_pieces.c.user_id],
                set_={
                    "pieces": hold_pieces.c.pieces + upsert.excluded.pieces,
                    "cap": upsert.excluded.cap,
                },
            ),
            rows,
        )

    async def _claim_goods(self, granted: Sequence[Hold]) -> None:
        seats = [{"seat_id": s, "hold_id": h.hold_id} for h in granted for s in h.seat_ids]
        units = [{"unit_id": h.unit_id, "hold_id": h.hold_id} for h in granted if h.unit_id]
        days = [
            {"listing_id": h.listing_id, "day": d, "hold_id": h.hold_id}
            for h in granted
            for d in h.days
        ]
        for table, rows in ((hold_seats, seats), (hold_units, units), (hold_days, days)):
            if rows:
                await self.session.execute(sa.insert(table), rows)

    async def take(self, hold_id: str, order_id: str, until: datetime) -> bool:
        """Give a live hold to ``order_id``, to expire at ``until`` (again for the same order:
        the same); False when it is not live or another order took it."""
        taken = await self.session.execute(
            sa.update(holds)
            .where(
                (holds.c.hold_id == hold_id)
                & (holds.c.state == "live")
                & (holds.c.order_id.is_(None) | (holds.c.order_id == order_id))
            )
            .values(order_id=order_id, expires_at=until)
        )
        return bool(taken.rowcount)  # type: ignore[attr-defined]

    async def end(self, hold: Hold, state: str, at: datetime, order_id: str | None = None) -> bool:
        """Mark a live hold ``state`` and free its claims; False when it was not live, or not
        ``order_id``'s (None: a hold no order took)."""
        owner = holds.c.order_id.is_(None) if order_id is None else holds.c.order_id == order_id
        ended = await self.session.execute(
            sa.update(holds)
            .where((holds.c.hold_id == hold.hold_id) & (holds.c.state == "live") & owner)
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
            .values(pieces=hold_pieces.c.pieces - hold.pieces, cap=0)
        )
        return True


def _row(hold: Hold, created_at: datetime) -> dict[str, Any]:
    return {
        "hold_id": hold.hold_id,
        "listing_id": hold.listing_id,
        "user_id": hold.user_id,
        "kind": hold.kind.value,
        "quantity": hold.quantity,
        "seat_ids": ",".join(hold.seat_ids),
        "unit_id": hold.unit_id,
        "first_day": hold.first_day,
        "end_day": hold.end_day,
        "ticket": hold.ticket,
        "idempotency_key": hold.idempotency_key,
        "expires_at": from_ms(hold.expires_ms),
        "created_at": created_at,
    }
