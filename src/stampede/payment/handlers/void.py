"""Ending a payment before it is approved: ordering voids an order's payment (the order ended
or its time to pay ran out), or the buyer gives up at the provider.

A void is race-free against an approve: both are conditional moves of the same row (``ready →
voided`` against ``ready → approving``), and the void reads the payment ``FOR UPDATE`` on the
locked order, so exactly one wins. The void also marks the order's copy voided in that
transaction, so no new payment can start for it afterwards. The provider's transaction is
then called off, best effort: with our side voided, nothing will ever approve it.
"""

from __future__ import annotations

from typing import Any

import structlog

from stampede.kernel.auth import Principal
from stampede.kernel.errors import Conflict
from stampede.kernel.module import Runtime
from stampede.payment.contracts import PaymentFailed, VoidAnswer
from stampede.payment.domain.payments import Payment, payment_body
from stampede.payment.handlers import moves
from stampede.payment.handlers.approve import own_payment
from stampede.payment.store import PaymentUoW
from stampede.payment.store.provider import Provider, Refused, Unanswered

log = structlog.get_logger()


def _in_flight() -> Conflict:
    return Conflict(
        "the payment's approval is with the provider; ask again shortly",
        slug="approval-in-flight",
    )


async def void_order(runtime: Runtime, order_id: str) -> VoidAnswer:
    """``voided`` (no payment of the order can be approved from now on), ``approved`` (it
    was), or 409 ``approval-in-flight``; repeating it gives the same answer."""
    async with PaymentUoW(runtime) as uow:
        await uow.orders.lock(order_id)
        payment = await uow.payments.live_of_order(order_id, lock=True)
        if payment is not None and payment.status == "approved":
            found = {"payment_id": payment.payment_id, "captured": payment.captured}
            return VoidAnswer(state="approved", **found)
        if payment is not None and payment.status == "approving":
            raise _in_flight()
        if payment is not None:
            await _void(uow, payment)
        else:
            payment = await uow.payments.latest_of_order(order_id)
        await uow.orders.mark_voided(order_id, runtime.now())
        await uow.commit()
    if payment is not None and payment.status == "ready":
        await _call_off(runtime, payment)
    return VoidAnswer(state="voided", payment_id=None if payment is None else payment.payment_id)


async def _void(uow: PaymentUoW, payment: Payment) -> None:
    now = uow.runtime.now()
    values = {"reason": "voided", "settled_at": now}
    await uow.payments.move(payment.payment_id, "ready", "voided", **values)
    event = PaymentFailed(**moves.event_fields(payment, now), reason="voided")
    uow.emit(event, payment.order_id)


async def _call_off(runtime: Runtime, payment: Payment) -> None:
    try:
        await Provider(runtime).cancel(payment.tid, 0)
    except (Refused, Unanswered) as exc:
        log.warning("payment.call_off_failed", payment_id=payment.payment_id, error=str(exc))


async def give_up(runtime: Runtime, user: Principal, payment_id: str) -> dict[str, Any]:
    """The buyer gave up at the provider (its ``cancel_url``/``fail_url``): a ready payment
    fails with ``cancelled``; one already ended is shown as it is; one approving or approved
    is a 409."""
    payment = await own_payment(runtime, user, payment_id)
    if payment.status == "ready":
        if await moves.failed(runtime, payment, "cancelled", source="ready"):
            await _call_off(runtime, payment)
        payment = await own_payment(runtime, user, payment_id)
    if payment.status == "approving":
        raise _in_flight()
    if payment.status == "approved":
        raise Conflict("the payment is captured; ask the seller for a refund", slug="captured")
    return payment_body(payment)
