"""How payment's and fulfilment's events move orders. Each runs once per event (inbox), on a
locked order, and only ever moves an order forward — a late or repeated event changes nothing.
"""

from __future__ import annotations

from stampede.fulfilment.contracts import (
    DeliveryDelivered,
    DeliveryShipped,
    FulfilmentEvent,
    RentalPickedUp,
    RentalReturned,
    TicketCheckedIn,
)
from stampede.kernel.module import Subscription
from stampede.ordering.domain.orders import Order
from stampede.ordering.saga.steps import cancel, mark_paid
from stampede.ordering.saga.transitions import advance
from stampede.ordering.store import OrderingUoW
from stampede.payment.contracts import PaymentApproved, PaymentFailed, PaymentRefunded

OWN_REFUND = "order_cancelled"  # the reason ordering gives its own refunds (saga.calls.refund)


async def _order(uow: OrderingUoW, order_id: str) -> Order | None:
    return await uow.orders.get(order_id, lock=True)


async def payment_approved(event: PaymentApproved, uow: OrderingUoW) -> None:
    order = await _order(uow, event.order_id)
    if order is not None:
        await mark_paid(uow, order, event.payment_id, event.captured)


async def payment_failed(event: PaymentFailed, uow: OrderingUoW) -> None:
    """A declined, timed-out or abandoned payment cancels the order and frees the hold; a
    payment voided by ordering itself is already accounted for."""
    order = await _order(uow, event.order_id)
    if order is None or event.reason == "voided" or order.status != "PENDING_PAYMENT":
        return
    await uow.steps.put(order.order_id, "pay", "failed", uow.runtime.now())
    await cancel(uow, order, f"payment_{event.reason}", arranged=False)


async def payment_refunded(event: PaymentRefunded, uow: OrderingUoW) -> None:
    """Keep the refunded total; a seller's refund of everything cancels the order."""
    order = await _order(uow, event.order_id)
    if order is None:
        return
    order.refunded = max(order.refunded, min(event.refunded_total, order.paid))
    await uow.orders.save(order, uow.runtime.now())
    whole = order.paid > 0 and order.refunded >= order.paid
    if whole and event.reason != OWN_REFUND and not order.final:
        await cancel(uow, order, "seller_refund", arranged=True)


_MOVES: dict[type[FulfilmentEvent], tuple[str, str]] = {
    DeliveryShipped: ("SHIPPED", "shipped"),
    DeliveryDelivered: ("COMPLETED", "delivered"),
    RentalPickedUp: ("RENTED", "picked_up"),
    RentalReturned: ("COMPLETED", "returned"),
    TicketCheckedIn: ("COMPLETED", "checked_in"),
}


async def fulfilment_moved(event: FulfilmentEvent, uow: OrderingUoW) -> None:
    order = await _order(uow, event.order_id)
    if order is not None:
        status, reason = _MOVES[type(event)]
        await advance(uow, order, status, reason)


async def delivery_shipped(event: DeliveryShipped, uow: OrderingUoW) -> None:
    await fulfilment_moved(event, uow)


async def delivery_delivered(event: DeliveryDelivered, uow: OrderingUoW) -> None:
    await fulfilment_moved(event, uow)


async def rental_picked_up(event: RentalPickedUp, uow: OrderingUoW) -> None:
    await fulfilment_moved(event, uow)


async def rental_returned(event: RentalReturned, uow: OrderingUoW) -> None:
    await fulfilment_moved(event, uow)


async def ticket_checked_in(event: TicketCheckedIn, uow: OrderingUoW) -> None:
    await fulfilment_moved(event, uow)


PROGRESS = (
    Subscription(PaymentApproved, payment_approved),
    Subscription(PaymentFailed, payment_failed),
    Subscription(PaymentRefunded, payment_refunded),
    Subscription(DeliveryShipped, delivery_shipped),
    Subscription(DeliveryDelivered, delivery_delivered),
    Subscription(RentalPickedUp, rental_picked_up),
    Subscription(RentalReturned, rental_returned),
    Subscription(TicketCheckedIn, ticket_checked_in),
)
