"""SQL over payments and refunds. Every move is a conditional update on the current state, so
two writers racing for the same payment (a duplicate callback, a void against an approve, the
reconciler against a late answer) move it once; writers that must see the latest totals read
the payment ``FOR UPDATE`` (PostgreSQL; SQLite serialises writers anyway)."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from stampede.kernel.db import Repository
from stampede.kernel.errors import Conflict
from stampede.payment.domain.payments import LIVE, Payment, Refund
from stampede.payment.store.tables import payments, refunds

_PAYMENT = [f.name for f in fields(Payment)]
LIVE_ORDER_NAMES = ("uq_payments_live_order", "payments.order_id")  # PostgreSQL, SQLite
_REFUND = [f.name for f in fields(Refund)]


def _payment(row: Any) -> Payment:
    return Payment(**{name: getattr(row, name) for name in _PAYMENT})


def _refund(row: Any) -> Refund:
    return Refund(**{name: getattr(row, name) for name in _REFUND})


class Payments(Repository):
    async def get(self, payment_id: str, *, lock: bool = False) -> Payment | None:
        query = sa.select(payments).where(payments.c.payment_id == payment_id)
        row = (await self.session.execute(query.with_for_update() if lock else query)).first()
        return None if row is None else _payment(row)

    async def add(self, payment: Payment) -> None:
        """409 ``payment-exists`` when the order already has a live payment."""
        try:
            async with self.session.begin_nested():
                await self.session.execute(payments.insert().values(**asdict(payment)))
        except IntegrityError as exc:
            if not any(name in str(exc.orig) for name in LIVE_ORDER_NAMES):
                raise
            raise Conflict("this order already has a payment", slug="payment-exists") from exc

    async def live_of_order(self, order_id: str, *, lock: bool = False) -> Payment | None:
        query = sa.select(payments).where(
            payments.c.order_id == order_id, payments.c.status.in_(LIVE)
        )
        row = (await self.session.execute(query.with_for_update() if lock else query)).first()
        return None if row is None else _payment(row)

    async def latest_of_order(self, order_id: str) -> Payment | None:
        query = (
            sa.select(payments)
            .where(payments.c.order_id == order_id)
            .order_by(payments.c.created_at.desc())
            .limit(1)
        )
        row = (await self.session.execute(query)).first()
        return None if row is None else _payment(row)

    async def move(self, payment_id: str, source: str, target: str, **values: Any) -> bool:
        """``source`` → ``target`` with ``values``; False when it was not in ``source``."""
        result = await self.session.execute(
            payments.update()
            .where(payments.c.payment_id == payment_id, payments.c.status == source)
            .values(status=target, **values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def start_approval(self, payment_id: str, pg_token: str, at: datetime) -> bool:
        """ready → approving with the buyer's ``pg_token``, one more provider attempt."""
        return await self.move(
            payment_id,
            "ready",
            "approving",
            pg_token=pg_token,
            approving_since=at,
            attempts=payments.c.attempts + 1,
        )

    async def retry_approval(self, payment_id: str, since: datetime, at: datetime) -> bool:
        """Claim another provider attempt of an approval stuck since ``since`` (only one of
        several reconcilers gets it)."""
        p = payments.c
        result = await self.session.execute(
            payments.update()
            .where(p.payment_id == payment_id, p.status == "approving", p.approving_since == since)
            .values(approving_since=at, attempts=p.attempts + 1)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def approving_before(self, before: datetime, limit: int) -> list[Payment]:
        query = (
            sa.select(payments)
            .where(payments.c.status == "approving", payments.c.approving_since <= before)
            .order_by(payments.c.approving_since)
            .limit(limit)
        )
        return [_payment(row) for row in await self.session.execute(query)]

    async def reserve(self, payment_id: str, amount: int) -> bool:
        """Add ``amount`` to ``refunded_total`` if the payment is captured and it stays within
        ``captured``; False (nothing changes) otherwise."""
        p = payments.c
        result = await self.session.execute(
            payments.update()
            .where(
                p.payment_id == payment_id,
                p.status == "approved",
                p.refunded_total + amount <= p.captured,
            )
            .values(refunded_total=p.refunded_total + amount)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def give_back(self, payment_id: str, amount: int) -> None:
        p = payments.c
        await self.session.execute(
            payments.update()
            .where(p.payment_id == payment_id)
            .values(refunded_total=p.refunded_total - amount)
        )


class Refunds(Repository):
    async def get(self, refund_id: str) -> Refund | None:
        query = sa.select(refunds).where(refunds.c.refund_id == refund_id)
        row = (await self.session.execute(query)).first()
        return None if row is None else _refund(row)

    async def by_key(self, payment_id: str, key: str) -> Refund | None:
        query = sa.select(refunds).where(refunds.c.payment_id == payment_id, refunds.c.key == key)
        row = (await self.session.execute(query)).first()
        return None if row is None else _refund(row)

    async def add(self, refund: Refund) -> None:
        await self.session.execute(refunds.insert().values(**asdict(refund)))

    async def move(self, refund_id: str, source: str, target: str, **values: Any) -> bool:
        result = await self.session.execute(
            refunds.update()
            .where(refunds.c.refund_id == refund_id, refunds.c.status == source)
            .values(status=target, **values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def of_payment(self, payment_id: str, status: str | None = None) -> list[Refund]:
        query = sa.select(refunds).where(refunds.c.payment_id == payment_id)
        if status is not None:
            query = query.where(refunds.c.status == status)
        query = query.order_by(refunds.c.created_at, refunds.c.refund_id)
        return [_refund(row) for row in await self.session.execute(query)]

    async def done_total(self, payment_id: str) -> int:
        query = sa.select(sa.func.coalesce(sa.func.sum(refunds.c.amount), 0)).where(
            refunds.c.payment_id == payment_id, refunds.c.status == "done"
        )
        return int(await self.session.scalar(query) or 0)

    async def pending_payments(self, before: datetime, limit: int) -> list[str]:
        """Payments with a refund pending since before ``before`` (its answer never came)."""
        query = (
            sa.select(refunds.c.payment_id)
            .where(refunds.c.status == "pending", refunds.c.attempted_at <= before)
            .group_by(refunds.c.payment_id)
            .order_by(sa.func.min(refunds.c.attempted_at))
            .limit(limit)
        )
        return list((await self.session.scalars(query)).all())
