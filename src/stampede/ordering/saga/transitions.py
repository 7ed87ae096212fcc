"""Moving an order's status, with its event in the same transaction; each move counted in
``stampede_ordering_order_transitions_total{status}`` (a move whose transaction then fails
still counts: a saga retrying it may count it twice)."""

from __future__ import annotations

from prometheus_client import Counter

from stampede.ordering.contracts import OrderPlaced, OrderStatusChanged
from stampede.ordering.domain.orders import Order
from stampede.ordering.store import OrderingUoW

MOVES = Counter("stampede_ordering_order_transitions", "Orders moved into a status", ["status"])


async def advance(uow: OrderingUoW, order: Order, status: str, reason: str) -> bool:
    """Move ``order`` to ``status`` if that is a step forward; save it and emit
    OrderStatusChanged. False (nothing changes) when it is not."""
    if not order.may_become(status):
        return False
    previous, at = order.status, uow.runtime.now()
    order.status, order.reason, order.seq = status, reason, order.seq + 1
    await uow.orders.save(order, at)
    uow.emit(_changed(order, previous, at), subject=order.order_id)
    MOVES.labels(status).inc()
    return True


def _changed(order: Order, previous: str, at: object) -> OrderStatusChanged:
    return OrderStatusChanged(
        order_id=order.order_id,
        user_id=order.user_id,
        seller_id=order.seller_id,
        listing_id=order.listing_id,
        listing_kind=order.listing_kind,
        kind=order.kind,
        title=order.title,
        status=order.status,
        previous=previous,
        reason=order.reason,
        seq=order.seq,
        refunded=order.refunded,
        at=at,
    )


def placed_event(order: Order) -> OrderPlaced:
    return OrderPlaced(
        order_id=order.order_id,
        user_id=order.user_id,
        seller_id=order.seller_id,
        company_id=order.company_id,
        listing_id=order.listing_id,
        listing_kind=order.listing_kind,
        kind=order.kind,
        title=order.title,
        amount=order.amount,
        quantity=order.quantity,
        seat_ids=order.seat_ids,
        seat_labels=order.seat_labels,
        session_starts_at=order.session_starts_at,
        unit_id=order.unit_id,
        shop_id=order.shop_id,
        start_date=order.start_date,
        end_date=order.end_date,
        shipping_address=order.shipping_address,
        hold_id=order.hold_id,
        payment_due_at=order.payment_due_at,
        at=order.created_at,
    )
