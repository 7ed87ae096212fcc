"""Payment's copy of orders: kept from ordering's events, and fetched from ordering (signed
internal call) when a payment is asked for an order the events have not brought yet.

Each consumer runs once per event (inbox) and may safely run again; an event older than the
status already known (``seq``) changes nothing.
"""

from __future__ import annotations

from stampede.kernel.errors import NotFound
from stampede.kernel.internal import Caller
from stampede.kernel.module import Runtime, Subscription
from stampede.ordering.contracts import OrderFacts, OrderPlaced, OrderStatusChanged
from stampede.payment.domain.payments import OrderCopy
from stampede.payment.store import PaymentUoW


async def order_placed(event: OrderPlaced, uow: PaymentUoW) -> None:
    await uow.orders.placed(
        event.order_id,
        "PENDING_PAYMENT",
        user_id=event.user_id,
        seller_id=event.seller_id,
        title=event.title,
        amount=event.amount,
        payment_due_at=event.payment_due_at,
    )


async def order_status_changed(event: OrderStatusChanged, uow: PaymentUoW) -> None:
    await uow.orders.moved(
        event.order_id,
        event.status,
        event.seq,
        user_id=event.user_id,
        seller_id=event.seller_id,
        title=event.title,
    )


async def order_of(runtime: Runtime, order_id: str) -> OrderCopy | None:
    """The order as payment knows it, asking ordering when the copy lacks it; None when
    ordering does not know it either. Raises Unavailable when ordering cannot answer."""
    async with PaymentUoW(runtime) as uow:
        found = await uow.orders.get(order_id)
    if found is not None and found.complete:
        return found
    try:
        path = f"/internal/ordering/orders/{order_id}"
        facts = OrderFacts.model_validate(await Caller(runtime).command("ordering", "GET", path))
    except NotFound:
        return None
    return await _learn(runtime, facts)


async def _learn(runtime: Runtime, facts: OrderFacts) -> OrderCopy | None:
    async with PaymentUoW(runtime) as uow:
        await uow.orders.placed(
            facts.order_id,
            facts.status,
            user_id=facts.user_id,
            seller_id=facts.seller_id,
            title=facts.title,
            amount=facts.amount,
            payment_due_at=facts.payment_due_at,
        )
        await uow.commit()
    async with PaymentUoW(runtime) as uow:
        return await uow.orders.get(facts.order_id)


ORDERS = (
    Subscription(OrderPlaced, order_placed),
    Subscription(OrderStatusChanged, order_status_changed),
)
