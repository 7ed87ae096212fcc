"""SQL over arrangements, deliveries, rentals and tickets.

Every state change is a conditional update (``WHERE state = <from>``): of two concurrent
requests for the same move, only one changes the row — on PostgreSQL the second waits for the
first's row lock and then finds the state moved on — so an event is emitted once per move.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from stampede.fulfilment.domain.things import Delivery, Rental, Ticket
from stampede.fulfilment.store.tables import arrangements, deliveries, rentals, tickets
from stampede.kernel.db import Repository

T = TypeVar("T", Delivery, Rental, Ticket)
After = tuple[datetime, str] | None  # (created_at, id) of the last row a page showed


class Arrangements(Repository):
    async def claim(self, order_id: str, what: str, at: datetime) -> bool:
        """Record what the order gets; False when it was recorded before (a concurrent claim
        waits for the first to commit, then gets False)."""
        try:
            async with self.session.begin_nested():
                await self.session.execute(
                    arrangements.insert().values(order_id=order_id, what=what, created_at=at)
                )
        except IntegrityError:
            return False
        return True

    async def what(self, order_id: str, *, lock: bool = False) -> str | None:
        query = sa.select(arrangements.c.what).where(arrangements.c.order_id == order_id)
        found: str | None = await self.session.scalar(query.with_for_update() if lock else query)
        return found


class Things(Repository, Generic[T]):
    table: ClassVar[sa.Table]
    make: ClassVar[type[Any]]

    def _thing(self, row: Any) -> T:
        names = [f.name for f in fields(self.make)]
        thing: T = self.make(**{name: getattr(row, name) for name in names})
        return thing

    async def add(self, thing: T) -> None:
        await self.session.execute(self.table.insert().values(**asdict(thing)))

    async def get(self, thing_id: str) -> T | None:
        row = (await self.session.execute(self._select(id=thing_id))).first()
        return None if row is None else self._thing(row)

    def _select(self, **equal: object) -> sa.Select[Any]:
        return sa.select(self.table).where(*(self.table.c[k] == v for k, v in equal.items()))

    async def move(self, thing_id: str, source: str, target: str, at: datetime) -> bool:
        """``source → target``, recording when; False (nothing changed) unless in ``source``."""
        c = self.table.c
        result = await self.session.execute(
            self.table.update()
            .where(c.id == thing_id, c.state == source)
            .values({"state": target, "updated_at": at, f"{target}_at": at})
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def page(self, after: After, limit: int, **equal: object) -> list[T]:
        """Oldest first, ``limit`` rows after ``after``, matching ``equal`` (None: any)."""
        c = self.table.c
        query = self._select(**{k: v for k, v in equal.items() if v is not None})
        if after is not None:
            at, last = after
            query = query.where(sa.or_(c.created_at > at, sa.and_(c.created_at == at, c.id > last)))
        query = query.order_by(c.created_at, c.id).limit(limit)
        return [self._thing(row) for row in await self.session.execute(query)]


class _OnePerOrder(Things[T]):
    async def of_order(self, order_id: str, *, lock: bool = False) -> T | None:
        query = self._select(order_id=order_id)
        row = (await self.session.execute(query.with_for_update() if lock else query)).first()
        return None if row is None else self._thing(row)


class Deliveries(_OnePerOrder[Delivery]):
    table, make = deliveries, Delivery


class Rentals(_OnePerOrder[Rental]):
    table, make = rentals, Rental


class Tickets(Things[Ticket]):
    table, make = tickets, Ticket

    async def of_order(self, order_id: str, *, lock: bool = False) -> list[Ticket]:
        query = self._select(order_id=order_id).order_by(tickets.c.seat_label, tickets.c.id)
        rows = await self.session.execute(query.with_for_update() if lock else query)
        return [self._thing(row) for row in rows]

    async def check_in(self, ticket_id: str, at: datetime) -> bool:
        """Mark an issued ticket used; False when it is not issued (used or cancelled)."""
        return await self.move(ticket_id, "issued", "used", at)

    async def cancel_order(self, order_id: str, at: datetime) -> int:
        """Cancel the order's issued tickets; how many were."""
        result = await self.session.execute(
            tickets.update()
            .where(tickets.c.order_id == order_id, tickets.c.state == "issued")
            .values(state="cancelled", updated_at=at, cancelled_at=at)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
