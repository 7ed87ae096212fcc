"""The reconciler: a background job in every payment process that settles what the provider
left unanswered, from the provider's own record of each transaction.

Every ``PAYMENT_RECONCILE_S`` it takes payments ``approving`` and refunds ``pending`` for longer
than ``PAYMENT_STALE_S`` (never less than two call timeouts, so no call that could still answer
is taken for lost) and asks the provider for the transaction's standing:

* an approval becomes approved or failed as the standing says, or is approved again while the
  transaction is still ``READY`` (see :mod:`.settle`);
* pending refunds are done when the provider's cancelled total accounts for them, and given
  back when it does not (asking again with the same key then tries again).

Whatever it settles is then audited: our captured − refunded against what the provider holds;
a difference is counted in ``stampede_payment_provider_mismatches_total`` and logged. Several
processes may reconcile at once: every move is conditional, so each is made once.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import structlog

from stampede.kernel.module import Runtime
from stampede.payment.domain.payments import Refund
from stampede.payment.domain.settle import Standing, explain
from stampede.payment.handlers import moves
from stampede.payment.handlers.refund import confirm, give_back
from stampede.payment.handlers.settle import settle_approval
from stampede.payment.store import PaymentUoW
from stampede.payment.store.provider import Provider, Refused, Unanswered

BATCH = 50
NEVER_CANCELLED = "the provider never cancelled it"
log = structlog.get_logger()


async def run_reconciler(runtime: Runtime) -> None:
    while True:
        try:
            await reconcile_once(runtime)
        except Exception as exc:  # keep reconciling through a database or provider outage
            log.warning("payment.reconcile_failed", error=repr(exc))
        await asyncio.sleep(runtime.settings.payment_reconcile_s)


def stale_before(runtime: Runtime) -> datetime:
    settings = runtime.settings
    wait = max(settings.payment_stale_s, 2 * settings.call_timeout_s)
    return runtime.now() - timedelta(seconds=wait)


async def reconcile_once(runtime: Runtime) -> int:
    """Settle every stale approval and pending refund once; how many payments it looked at."""
    before = stale_before(runtime)
    async with PaymentUoW(runtime) as uow:
        approving = await uow.payments.approving_before(before, BATCH)
        refunding = await uow.refunds.pending_payments(before, BATCH)
    for payment in approving:
        await settle_approval(runtime, payment, "retry")
        await _audit(runtime, payment.payment_id)
    for payment_id in refunding:
        await settle_refunds(runtime, payment_id, before)
    return len(approving) + len(refunding)


async def _standing(provider: Provider, tid: str) -> Standing | None:
    try:
        return await provider.standing(tid)
    except (Refused, Unanswered) as exc:
        log.warning("payment.standing_unknown", tid=tid, error=str(exc))
        return None


async def _audit(runtime: Runtime, payment_id: str, standing: Standing | None = None) -> None:
    async with PaymentUoW(runtime) as uow:
        payment = await uow.payments.get(payment_id)
    if payment is None or payment.status in ("ready", "approving"):
        return
    standing = standing or await _standing(Provider(runtime), payment.tid)
    if standing is not None:
        moves.audit(payment, standing)


async def settle_refunds(runtime: Runtime, payment_id: str, before: datetime) -> None:
    """Settle a payment's pending refunds, once none of them can still be answered: those the
    provider's cancelled total accounts for are done, the others are given back."""
    async with PaymentUoW(runtime) as uow:
        payment = await uow.payments.get(payment_id)
        pending = await uow.refunds.of_payment(payment_id, "pending")
        done = await uow.refunds.done_total(payment_id)
    if payment is None or not pending or any(r.attempted_at > before for r in pending):
        return
    standing = await _standing(Provider(runtime), payment.tid)
    if standing is None:
        return
    chosen = explain(standing.canceled - done, [(r.refund_id, r.amount) for r in pending])
    if chosen is None:
        moves.mismatch("refunds", payment, done + sum(r.amount for r in pending), standing.canceled)
        return
    await _apply(runtime, payment_id, pending, chosen)
    await _audit(runtime, payment_id, standing)


async def _apply(runtime: Runtime, payment_id: str, pending: list[Refund], done: set[str]) -> None:
    async with PaymentUoW(runtime) as uow:
        payment = await uow.payments.get(payment_id, lock=True)
        assert payment is not None
        for refund in pending:
            if refund.refund_id in done:
                await confirm(uow, payment, refund)
            else:
                await give_back(uow, refund, NEVER_CANCELLED)
        await uow.commit()
