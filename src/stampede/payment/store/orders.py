"""SQL over payment's copy of orders. Rows are created on first mention — by ordering's
events, by a fetch of the order's facts, or by a void that arrives first — and filled in as
more is learnt; a status only moves to a later ``seq``. Payment creation and voids lock the
order's row, so a void and a new payment of the same order never both succeed."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from stampede.kernel.db import Repository
from stampede.payment.domain.payments import OrderCopy
from stampede.payment.store.tables import orders

_FIELDS = [f.name for f in fields(OrderCopy)]
o = orders.c


def _copy(row: Any) -> OrderCopy:
    return OrderCopy(**{name: getattr(row, name) for name in _FIELDS})


class Orders(Repository):
    async def get(self, order_id: str, *, lock: bool = False) -> OrderCopy | None:
        query = sa.select(orders).where(o.order_id == order_id)
        row = (await self.session.execute(query.with_for_update() if lock else query)).first()
        return None if row is None else _copy(row)

    async def lock(self, order_id: str) -> OrderCopy:
        """The order's row, created if unknown, locked until the end of the transaction."""
        await self._ensure(order_id)
        found = await self.get(order_id, lock=True)
        assert found is not None
        return found

    async def _ensure(self, order_id: str) -> None:
        await self.session.execute(
            self.insert(orders)
            .values(order_id=order_id)
            .on_conflict_do_nothing(index_elements=["order_id"])
        )

    async def _fill(self, order_id: str, **values: Any) -> None:
        await self.session.execute(orders.update().where(o.order_id == order_id).values(**values))

    async def placed(self, order_id: str, status: str, **facts: Any) -> None:
        """What an order is (``user_id``, ``seller_id``, ``title``, ``amount``,
        ``payment_due_at``); ``status`` applies only while no later status is known."""
        await self._ensure(order_id)
        await self._fill(order_id, **facts)
        await self.session.execute(
            orders.update().where(o.order_id == order_id, o.seq == 0).values(status=status)
        )

    async def moved(self, order_id: str, status: str, seq: int, **facts: Any) -> None:
        """The order's status as of transition ``seq``; an older one changes nothing."""
        await self._ensure(order_id)
        await self._fill(order_id, **facts)
        await self.session.execute(
            orders.update()
            .where(o.order_id == order_id, o.seq < seq)
            .values(status=status, seq=seq)
        )

    async def mark_voided(self, order_id: str, at: datetime) -> None:
        await self.session.execute(
            orders.update()
            .where(o.order_id == order_id, o.voided_at.is_(None))
            .values(voided_at=at)
        )
