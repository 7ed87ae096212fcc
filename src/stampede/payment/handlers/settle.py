"""Settling an approval whose answer was not a clear yes or no, from the transaction's standing
at the provider (``/v1/payment/order``).

Approving again is safe: the provider approves a transaction at most once and refuses every
later approve, so a retry after a lost reply can never capture twice — its refusal sends us
back here, where the standing says ``approved``. A transaction still ``READY`` after
:data:`MAX_APPROVE_ATTEMPTS` provider attempts is called off at the provider before the payment
fails with ``timeout``, so a late approve cannot capture money we no longer expect.
"""

from __future__ import annotations

from typing import Literal

import structlog

from stampede.kernel.module import Runtime
from stampede.payment.domain.payments import MAX_APPROVE_ATTEMPTS, Payment
from stampede.payment.domain.settle import Standing, approval_verdict
from stampede.payment.handlers import moves
from stampede.payment.store import PaymentUoW
from stampede.payment.store.provider import UNKNOWN_TID, Provider, Refused, Unanswered

log = structlog.get_logger()
OnReady = Literal["reopen", "retry"]


async def capture(runtime: Runtime, payment_id: str) -> None:
    """Ask the provider to approve an ``approving`` payment and record the outcome; when the
    answer does not come, the payment stays ``approving`` for the reconciler."""
    async with PaymentUoW(runtime) as uow:
        payment = await uow.payments.get(payment_id)
    if payment is None or payment.status != "approving" or not payment.pg_token:
        return
    try:
        found = await Provider(runtime).approve(
            payment.tid, payment.order_id, payment.user_id, payment.pg_token
        )
    except Refused as refusal:
        if refusal.declined:
            await moves.failed(runtime, payment, "declined", source="approving")
        else:
            await settle_approval(runtime, payment, "reopen")
        return
    except Unanswered as exc:
        log.warning("payment.approval_unanswered", payment_id=payment_id, error=str(exc))
        return
    await moves.approved(runtime, payment_id, found.total, found.aid)


async def _standing(runtime: Runtime, payment: Payment) -> Standing | None:
    """The provider's standing; a transaction it does not know fails (it captured nothing)."""
    try:
        return await Provider(runtime).standing(payment.tid)
    except Unanswered:
        return None
    except Refused as refusal:
        if refusal.code == UNKNOWN_TID:
            await moves.failed(runtime, payment, "provider_error", source="approving")
        else:
            log.error("payment.standing_refused", payment_id=payment.payment_id, error=str(refusal))
        return None


async def settle_approval(runtime: Runtime, payment: Payment, on_ready: OnReady) -> None:
    """Settle an ``approving`` payment from its standing. A transaction still ``READY`` is
    reopened for the buyer (``reopen``: the provider refused the token) or approved again
    (``retry``: the answer was lost), until the attempts run out."""
    standing = await _standing(runtime, payment)
    if standing is None:
        return
    limit = 0 if on_ready == "reopen" else MAX_APPROVE_ATTEMPTS
    verdict = approval_verdict(standing, payment.attempts, limit)
    if verdict.outcome == "approved":
        await moves.approved(runtime, payment.payment_id, standing.total, None)
    elif verdict.outcome == "failed":
        await moves.failed(runtime, payment, verdict.reason, source="approving")
    elif on_ready == "reopen":
        await moves.reopen(runtime, payment)
    elif verdict.outcome == "retry":
        await _retry(runtime, payment)
    else:
        await _call_off(runtime, payment, verdict.reason)


async def _retry(runtime: Runtime, payment: Payment) -> None:
    assert payment.approving_since is not None
    async with PaymentUoW(runtime) as uow:
        claimed = await uow.payments.retry_approval(
            payment.payment_id, payment.approving_since, runtime.now()
        )
        await uow.commit()
    if claimed:
        await capture(runtime, payment.payment_id)


async def _call_off(runtime: Runtime, payment: Payment, reason: str) -> None:
    try:
        await Provider(runtime).cancel(payment.tid, 0)  # refused once it is approved
    except (Refused, Unanswered) as exc:
        log.warning("payment.call_off_failed", payment_id=payment.payment_id, error=str(exc))
        return
    await moves.failed(runtime, payment, reason, source="approving")
