"""What each saga step does when the driver runs it, and how its outcome moves the order.

A step function makes its remote call *outside* a transaction, then records the outcome and
the order's new status in one transaction on a freshly locked order — so whatever happened to
the order meanwhile (an event, a customer's cancel) is taken into account. A step raising
:class:`~stampede.kernel.errors.Unavailable` (the other context is down, slow or its breaker
is open) is tried again later with backoff: that is the fallback that keeps a paid order and
arranges its delivery when fulfilment is back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog

from stampede.kernel.errors import Conflict, NotFound, StampedeError
from stampede.kernel.module import Runtime
from stampede.ordering.domain import saga
from stampede.ordering.domain.orders import Order
from stampede.ordering.saga import calls
from stampede.ordering.saga.transitions import advance
from stampede.ordering.store import OrderingUoW

log = structlog.get_logger()
Step = Callable[[Runtime, Order], Awaitable[None]]


async def _finish(runtime: Runtime, order_id: str, step: str, state: str) -> None:
    async with OrderingUoW(runtime) as uow:
        await uow.steps.put(order_id, step, state, runtime.now())
        await uow.commit()


async def mark_paid(uow: OrderingUoW, order: Order, payment_id: str | None, captured: int) -> None:
    """The payment was captured: PAID, and arranging fulfilment is next — or, for an order
    that ended meanwhile, the money goes back."""
    now = uow.runtime.now()
    if order.payment_id is None:
        order.payment_id, order.paid = payment_id, captured
        await uow.orders.save(order, now)
    await uow.steps.put(order.order_id, saga.PAY, "done", now)
    if await advance(uow, order, "PAID", "paid"):
        await uow.steps.put(order.order_id, saga.ARRANGE, "pending", now)
    elif order.status == "CANCELLED":
        await uow.steps.put(order.order_id, saga.REFUND, "pending", now)


async def cancel(uow: OrderingUoW, order: Order, reason: str, *, arranged: bool) -> bool:
    """CANCELLED with every compensation scheduled: fulfilment called off (when something may
    have been arranged), money back (when paid), hold given back."""
    now = uow.runtime.now()
    if not await advance(uow, order, "CANCELLED", reason):
        return False
    if arranged:
        await uow.steps.put(order.order_id, saga.CANCEL_FULFILMENT, "pending", now)
    for step in (saga.PAY, saga.ARRANGE):
        await uow.steps.put(order.order_id, step, "skipped", now)
    if order.paid:
        await uow.steps.put(order.order_id, saga.REFUND, "pending", now)
    await uow.steps.put(order.order_id, saga.GIVE_BACK, "pending", now)
    return True


async def payment_due(runtime: Runtime, order: Order) -> None:
    """The payment time is over: void the payment, then cancel — unless it was approved."""
    if order.status != "PENDING_PAYMENT":
        return await _finish(runtime, order.order_id, saga.PAY, "skipped")
    answer = await calls.void_payment(runtime, order.order_id)  # 409 in flight: try later
    async with OrderingUoW(runtime) as uow:
        fresh = await uow.orders.get(order.order_id, lock=True)
        assert fresh is not None
        if answer.state == "approved":
            await mark_paid(uow, fresh, answer.payment_id, answer.captured)
        else:
            await uow.steps.put(fresh.order_id, saga.PAY, "failed", runtime.now())
            await cancel(uow, fresh, "payment_timeout", arranged=False)
        await uow.commit()
    return None


async def arrange(runtime: Runtime, order: Order) -> None:
    if order.status != "PAID":
        return await _finish(runtime, order.order_id, saga.ARRANGE, "skipped")
    try:
        arranged = await calls.arrange(runtime, order)
    except StampedeError as refusal:
        if refusal.status >= 500:
            raise
        return await _not_arranged(runtime, order, refusal)
    if arranged.state == "cancelled":  # called off before it was arranged
        return await _not_arranged(runtime, order, Conflict("fulfilment was called off"))
    async with OrderingUoW(runtime) as uow:
        fresh = await uow.orders.get(order.order_id, lock=True)
        assert fresh is not None
        fresh.fulfilment = arranged.model_dump(mode="json")
        await uow.orders.save(fresh, runtime.now())
        await uow.steps.put(fresh.order_id, saga.ARRANGE, "done", runtime.now())
        if not await advance(uow, fresh, "CONFIRMED", "fulfilment_arranged") and fresh.final:
            await uow.steps.put(fresh.order_id, saga.CANCEL_FULFILMENT, "pending", runtime.now())
        await uow.commit()
    return None


async def _not_arranged(runtime: Runtime, order: Order, refusal: StampedeError) -> None:
    log.warning("ordering.arrange_refused", order_id=order.order_id, error=refusal.detail)
    async with OrderingUoW(runtime) as uow:
        fresh = await uow.orders.get(order.order_id, lock=True)
        assert fresh is not None
        await uow.steps.put(fresh.order_id, saga.ARRANGE, "failed", runtime.now())
        await cancel(uow, fresh, "fulfilment_failed", arranged=False)
        await uow.commit()


async def cancel_fulfilment(runtime: Runtime, order: Order) -> None:
    try:
        await calls.cancel_fulfilment(runtime, order.order_id)
    except Conflict:  # too late: shipped, picked up or used — the goods stay with the buyer
        return await _finish(runtime, order.order_id, saga.CANCEL_FULFILMENT, "failed")
    return await _finish(runtime, order.order_id, saga.CANCEL_FULFILMENT, "done")


async def refund(runtime: Runtime, order: Order) -> None:
    answer = await calls.refund(runtime, order.order_id)
    async with OrderingUoW(runtime) as uow:
        fresh = await uow.orders.get(order.order_id, lock=True)
        assert fresh is not None
        fresh.refunded = max(fresh.refunded, min(answer.refunded_total, fresh.paid))
        await uow.orders.save(fresh, runtime.now())
        await uow.steps.put(fresh.order_id, saga.REFUND, "done", runtime.now())
        await uow.commit()


async def give_back(runtime: Runtime, order: Order) -> None:
    """Free the hold — unless fulfilment could not be called off (the goods are gone)."""
    async with OrderingUoW(runtime) as uow:
        fulfilment_state = await uow.steps.state(order.order_id, saga.CANCEL_FULFILMENT)
    if fulfilment_state == "pending":
        raise _Later("waiting for fulfilment to be called off")
    if fulfilment_state == "failed":
        return await _finish(runtime, order.order_id, saga.GIVE_BACK, "skipped")
    try:
        await calls.give_back(runtime, order.hold_id, order.order_id)
    except (NotFound, Conflict) as gone:
        log.warning("ordering.give_back_refused", order_id=order.order_id, error=gone.detail)
        return await _finish(runtime, order.order_id, saga.GIVE_BACK, "failed")
    return await _finish(runtime, order.order_id, saga.GIVE_BACK, "done")


class _Later(Exception):
    """The step cannot run yet; the driver tries again later."""


STEPS: dict[str, Step] = {
    saga.PAY: payment_due,
    saga.ARRANGE: arrange,
    saga.CANCEL_FULFILMENT: cancel_fulfilment,
    saga.REFUND: refund,
    saga.GIVE_BACK: give_back,
}
