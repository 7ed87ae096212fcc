"""Moving a payment to approved, failed or back to ready, each with its event in the same
transaction. Every move is conditional on the state it leaves, so when two paths race (the
approval's own answer and the reconciler, a duplicate callback) exactly one moves it and emits.
Also the audit of our money against the provider's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from prometheus_client import Counter

from stampede.kernel.module import Runtime
from stampede.payment.contracts import PaymentApproved, PaymentFailed
from stampede.payment.domain.payments import Payment
from stampede.payment.domain.settle import Standing
from stampede.payment.store import PaymentUoW

MISMATCHES = Counter(
    "stampede_payment_provider_mismatches_total",
    "Payments whose captured minus refunded differs from what the provider holds",
    ["check"],
)
log = structlog.get_logger()


def event_fields(payment: Payment, at: datetime) -> dict[str, Any]:
    return {
        "payment_id": payment.payment_id,
        "order_id": payment.order_id,
        "user_id": payment.user_id,
        "amount": payment.amount,
        "at": at,
    }


def mismatch(check: str, payment: Payment, ours: int, theirs: int) -> None:
    MISMATCHES.labels(check).inc()
    log.error(
        "payment.provider_mismatch",
        check=check,
        payment_id=payment.payment_id,
        tid=payment.tid,
        ours=ours,
        provider=theirs,
    )


def audit(payment: Payment, standing: Standing) -> None:
    """Count and log when what we hold (captured − refunded) is not what the provider holds."""
    ours = payment.captured - payment.refunded_total
    if ours != standing.kept:
        mismatch("balance", payment, ours, standing.kept)


async def approved(runtime: Runtime, payment_id: str, total: int, aid: str | None) -> bool:
    """approving → approved with what the provider captured; False if it was settled already."""
    async with PaymentUoW(runtime) as uow:
        payment = await uow.payments.get(payment_id, lock=True)
        if payment is None or payment.status != "approving":
            return False
        if total != payment.amount:
            mismatch("captured", payment, payment.amount, total)
        captured, now = min(total, payment.amount), runtime.now()
        values = {"captured": captured, "aid": aid, "settled_at": now, "reason": ""}
        await uow.payments.move(payment_id, "approving", "approved", **values)
        uow.emit(PaymentApproved(**event_fields(payment, now), captured=captured), payment.order_id)
        await uow.commit()
    log.info("payment.approved", payment_id=payment_id, captured=captured)
    return True


async def failed(runtime: Runtime, payment: Payment, reason: str, *, source: str) -> bool:
    """``source`` → failed (``voided`` when the order ended first) with PaymentFailed."""
    target = "voided" if reason == "voided" else "failed"
    async with PaymentUoW(runtime) as uow:
        now = runtime.now()
        values = {"reason": reason, "settled_at": now}
        if not await uow.payments.move(payment.payment_id, source, target, **values):
            return False
        uow.emit(PaymentFailed(**event_fields(payment, now), reason=reason), payment.order_id)
        await uow.commit()
    log.info("payment.failed", payment_id=payment.payment_id, reason=reason)
    return True


async def reopen(runtime: Runtime, payment: Payment) -> bool:
    """approving → ready: the provider refused the buyer's token and captured nothing, so the
    buyer may approve again."""
    async with PaymentUoW(runtime) as uow:
        values = {"pg_token": None, "approving_since": None, "reason": "approval_refused"}
        if not await uow.payments.move(payment.payment_id, "approving", "ready", **values):
            return False
        await uow.commit()
    return True
