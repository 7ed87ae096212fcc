"""SQL over orders and placements. Writers read an order ``FOR UPDATE`` (PostgreSQL; SQLite
serialises writers anyway), so a consumer, the saga driver and a customer's cancel never
overwrite each other's change."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from stampede.kernel.db import Repository
from stampede.ordering.domain.orders import Order
from stampede.ordering.store.tables import orders, placements

_FIELDS = [f.name for f in fields(Order)]
_MUTABLE = ("status", "seq", "reason", "payment_id", "paid", "refunded", "fulfilment")


def _order(row: Any) -> Order:
    values = {name: getattr(row, name) for name in _FIELDS}
    return Order(**values)


class Orders(Repository):
    async def get(self, order_id: str, *, lock: bool = False) -> Order | None:
        query = sa.select(orders).where(orders.c.order_id == order_id)
        row = (await self.session.execute(query.with_for_update() if lock else query)).first()
        return None if row is None else _order(row)

    async def by_hold(self, hold_id: str) -> str | None:
        found: str | None = await self.session.scalar(
            sa.select(orders.c.order_id).where(orders.c.hold_id == hold_id)
        )
        return found

    async def add(self, order: Order) -> None:
        await self.session.execute(
            orders.insert().values(**asdict(order), updated_at=order.created_at)
        )

    async def save(self, order: Order, at: datetime) -> None:
        values = {name: getattr(order, name) for name in _MUTABLE}
        await self.session.execute(
            orders.update()
            .where(orders.c.order_id == order.order_id)
            .values(**values, updated_at=at)
        )

    async def overdue_payments(self, now: datetime, limit: int) -> list[str]:
        query = (
            sa.select(orders.c.order_id)
            .where(orders.c.status == "PENDING_PAYMENT", orders.c.payment_due_at <= now)
            .order_by(orders.c.payment_due_at)
            .limit(limit)
        )
        return list((await self.session.scalars(query)).all())

    async def of_seller(
        self, seller_id: str | None, listing_id: str | None, limit: int
    ) -> list[Order]:
        """The newest orders of a seller (every seller's when ``seller_id`` is None)."""
        query = sa.select(orders).order_by(orders.c.created_at.desc()).limit(limit)
        if seller_id is not None:
            query = query.where(orders.c.seller_id == seller_id)
        if listing_id is not None:
            query = query.where(orders.c.listing_id == listing_id)
        return [_order(row) for row in await self.session.execute(query)]

    async def totals(self, seller_id: str | None, listing_id: str | None) -> list[Any]:
        """Per listing: orders, completed, cancelled, paid and refunded sums."""
        o = orders.c
        query = sa.select(
            o.listing_id,
            sa.func.max(o.title).label("title"),
            sa.func.count().label("orders"),
            sa.func.sum(sa.case((o.status == "COMPLETED", 1), else_=0)).label("completed"),
            sa.func.sum(sa.case((o.status == "CANCELLED", 1), else_=0)).label("cancelled"),
            sa.func.coalesce(sa.func.sum(o.paid), 0).label("paid"),
            sa.func.coalesce(sa.func.sum(o.refunded), 0).label("refunded"),
        ).group_by(o.listing_id)
        if seller_id is not None:
            query = query.where(o.seller_id == seller_id)
        if listing_id is not None:
            query = query.where(o.listing_id == listing_id)
        return list(await self.session.execute(query.order_by(o.listing_id)))


class Placements(Repository):
    """Orders being placed: written before the hold is taken, removed with the order's
    insert; one left behind means its process died in between (see the saga driver)."""

    async def add(self, order_id: str, hold_id: str, user_id: str, at: datetime) -> None:
        await self.session.execute(
            placements.insert().values(
                order_id=order_id, hold_id=hold_id, user_id=user_id, created_at=at
            )
        )

    async def of_hold(self, hold_id: str) -> Any:
        query = sa.select(placements).where(placements.c.hold_id == hold_id)
        return (await self.session.execute(query)).first()

    async def remove(self, order_id: str) -> None:
        await self.session.execute(placements.delete().where(placements.c.order_id == order_id))

    async def stale(self, before: datetime, limit: int) -> list[Any]:
        query = (
            sa.select(placements)
            .where(placements.c.created_at < before)
            .order_by(placements.c.created_at)
            .limit(limit)
        )
        return list(await self.session.execute(query))
