"""A buyer cancels an order: allowed before shipping, pick-up or the performance.

The checks that can refuse come first, synchronously, so a refusal changes nothing:
fulfilment is asked to call off what it arranged (409 ``too-late`` once shipped, picked up,
used or the performance started; 503 while it is down — try again), and a payment not yet
approved is voided (409 while its approval is with the provider; if it turns out approved,
the money is refunded). Then, in one transaction, the order becomes CANCELLED and the refund
and the hold's give-back are scheduled; they are tried at once and, if another context is
down, again by the saga driver until done.
"""

from __future__ import annotations

from stampede.kernel.auth import Principal
from stampede.kernel.errors import Conflict, NotFound
from stampede.kernel.idempotency import Reply, Slot
from stampede.kernel.module import Runtime
from stampede.ordering.domain import saga
from stampede.ordering.domain.orders import Order
from stampede.ordering.saga import calls
from stampede.ordering.saga.driver import run_step
from stampede.ordering.saga.steps import cancel, mark_paid
from stampede.ordering.store import OrderingUoW
from stampede.ordering.views import order_view
from stampede.payment.contracts import VoidAnswer


async def own_order(runtime: Runtime, user: Principal, order_id: str) -> Order:
    async with OrderingUoW(runtime) as uow:
        order = await uow.orders.get(order_id)
    if order is None or order.user_id != user.user_id:
        raise NotFound("no such order", slug="no-order")
    return order


async def cancel_order(runtime: Runtime, user: Principal, order_id: str, slot: Slot) -> Reply:
    order = await own_order(runtime, user, order_id)
    if order.status == "CANCELLED":
        return Reply(200, order_view(order))
    if not order.may_become("CANCELLED"):
        raise Conflict(f"an order that is {order.status} cannot be cancelled", slug="too-late")
    if order.status != "PENDING_PAYMENT":
        await calls.cancel_fulfilment(runtime, order_id)
    voided = (
        await calls.void_payment(runtime, order_id) if order.status == "PENDING_PAYMENT" else None
    )
    reply = await _record(runtime, order_id, voided, slot)
    for step in (saga.REFUND, saga.GIVE_BACK):
        await run_step(runtime, order_id, step)
    return await _fresh_reply(runtime, order_id, reply)


async def _record(runtime: Runtime, order_id: str, voided: VoidAnswer | None, slot: Slot) -> Reply:
    async with OrderingUoW(runtime) as uow:
        order = await uow.orders.get(order_id, lock=True)
        assert order is not None
        if voided is not None and voided.state == "approved":
            await mark_paid(uow, order, voided.payment_id, voided.captured)
        if not await cancel(uow, order, "customer", arranged=False):
            raise Conflict(f"an order that is {order.status} cannot be cancelled", slug="too-late")
        reply = Reply(200, order_view(order))
        await slot.keep(uow.session, reply)
        await uow.commit()
    return reply


async def _fresh_reply(runtime: Runtime, order_id: str, first: Reply) -> Reply:
    """The answer after the immediate refund and give-back attempts (the stored answer for a
    replay stays the one recorded with the cancellation)."""
    async with OrderingUoW(runtime) as uow:
        order = await uow.orders.get(order_id)
    return first if order is None else Reply(200, order_view(order))
