"""The buyer starts paying an order: the provider's ``ready`` gives a transaction id and the
page (and QR code) where the buyer approves.

The order must be the caller's (404 otherwise), awaiting payment, not voided and not overdue
(409). The provider is asked first; then, on the locked order, the checks run again and the
payment is written with PaymentReady and the Idempotency-Key's answer in one transaction. An
order has at most one live payment (a unique index): a second one is a 409 — its provider
transaction is simply never approved.
"""

from __future__ import annotations

from datetime import datetime

from stampede.kernel.auth import Principal
from stampede.kernel.errors import Conflict, NotFound, Unavailable
from stampede.kernel.idempotency import Reply, Slot
from stampede.kernel.module import Runtime
from stampede.kernel.settings import Settings
from stampede.kernel.sqltypes import new_id
from stampede.payment.contracts import PaymentReady
from stampede.payment.domain.payments import OrderCopy, Payment, check_payable, payment_body
from stampede.payment.handlers.moves import event_fields
from stampede.payment.handlers.orders import order_of
from stampede.payment.store import PaymentUoW
from stampede.payment.store.provider import Provider, Ready, ReadyAsk, Refused, Unanswered


def return_urls(settings: Settings, payment_id: str) -> dict[str, str]:
    """Where the provider sends the buyer back: the site's pages for this payment."""
    page = f"{settings.public_base}/payments/{payment_id}"
    return {
        "approval_url": f"{page}/approved",
        "cancel_url": f"{page}/cancelled",
        "fail_url": f"{page}/failed",
    }


async def _payable(runtime: Runtime, user: Principal, order_id: str) -> OrderCopy:
    order = await order_of(runtime, order_id)
    if order is None or order.user_id != user.user_id:
        raise NotFound("no such order", slug="no-order")
    check_payable(order, runtime.now())
    async with PaymentUoW(runtime) as uow:
        if await uow.payments.live_of_order(order_id) is not None:
            raise Conflict("this order already has a payment", slug="payment-exists")
    return order


async def _ready(runtime: Runtime, order: OrderCopy, user_id: str, payment_id: str) -> Ready:
    urls = return_urls(runtime.settings, payment_id)
    assert order.amount is not None
    ask = ReadyAsk(order.order_id, user_id, order.title or "Stampede", order.amount, **urls)
    try:
        return await Provider(runtime).ready(ask)
    except Refused as refusal:
        raise Unavailable(
            f"the payment provider refused: {refusal}", slug="provider-refused"
        ) from refusal
    except Unanswered as exc:
        raise Unavailable("the payment provider did not answer; try again") from exc


async def create_payment(runtime: Runtime, user: Principal, order_id: str, slot: Slot) -> Reply:
    order = await _payable(runtime, user, order_id)
    payment_id = new_id()
    ready = await _ready(runtime, order, user.user_id, payment_id)
    async with PaymentUoW(runtime) as uow:
        check_payable(await uow.orders.lock(order_id), runtime.now())
        payment = _payment(order, payment_id, ready, runtime.now())
        await uow.payments.add(payment)
        uow.emit(PaymentReady(**event_fields(payment, payment.created_at), tid=ready.tid), order_id)
        reply = Reply(201, payment_body(payment))
        await slot.keep(uow.session, reply)
        await uow.commit()
    return reply


def _payment(order: OrderCopy, payment_id: str, ready: Ready, now: datetime) -> Payment:
    assert order.user_id is not None and order.amount is not None
    return Payment(
        payment_id=payment_id,
        order_id=order.order_id,
        user_id=order.user_id,
        seller_id=order.seller_id,
        title=order.title,
        amount=order.amount,
        status="ready",
        reason="",
        tid=ready.tid,
        redirect_url=ready.redirect_url,
        pg_token=None,
        aid=None,
        captured=0,
        refunded_total=0,
        attempts=0,
        created_at=now,
        approving_since=None,
        settled_at=None,
    )
