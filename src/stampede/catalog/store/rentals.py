"""The catalog's copy of each car's live orders (from ordering's events), from which the car's
status is derived: rented while an order has it out, reserved while an order awaits payment or
pick-up, available otherwise."""

from __future__ import annotations

import sqlalchemy as sa

from stampede.catalog.store.base import Base
from stampede.kernel.db import Repository
from stampede.kernel.sqltypes import Uuid

car_orders = sa.Table(
    "car_orders",
    Base.metadata,
    sa.Column("order_id", Uuid(), primary_key=True),
    sa.Column("listing_id", Uuid(), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("seq", sa.Integer(), nullable=False),
)
LIVE = ("PENDING_PAYMENT", "PAID", "CONFIRMED")


class CarOrders(Repository):
    async def put(self, order_id: str, listing_id: str, status: str, seq: int) -> None:
        """Remember the order's status unless a later one (higher ``seq``) is already known."""
        found = await self.session.scalar(
            sa.select(car_orders.c.seq).where(car_orders.c.order_id == order_id)
        )
        if found is None:
            values = {"order_id": order_id, "listing_id": listing_id, "status": status, "seq": seq}
            await self.session.execute(car_orders.insert().values(**values))
        elif found < seq:
            await self.session.execute(
                car_orders.update()
                .where(car_orders.c.order_id == order_id)
                .values(status=status, seq=seq)
            )

    async def car_status(self, listing_id: str) -> str:
        query = sa.select(car_orders.c.status).where(car_orders.c.listing_id == listing_id)
        statuses = set((await self.session.scalars(query)).all())
        if "RENTED" in statuses:
            return "rented"
        return "reserved" if statuses & set(LIVE) else "available"
