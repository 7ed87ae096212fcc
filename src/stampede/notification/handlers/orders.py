"""What notification tells a buyer about their order: a message on every status change, and
the booking/order confirmation when it is confirmed.

Each handler runs once per event (inbox), on the order's locked copy. A change is told once,
newest first wins: a change older than one already told is no longer the status and is not
told. The CONFIRMED change *is* the confirmation (kind ``booking_confirmed``: seats and session
time for tickets, item and amount otherwise) — not a second message beside a status message.
When it arrives before the order's details (OrderPlaced, on another queue), it waits in the copy
and goes out with the details, under the CONFIRMED event's id (still once per recipient and
channel) — unless the order was cancelled meanwhile.

Fulfilment's events are not heard: every one that changes what the buyer has (shipped,
delivered, picked up, returned, checked in) moves the order, so its status message says it;
tickets issued are the confirmation's seats.
"""

from __future__ import annotations

from stampede.kernel.module import Subscription
from stampede.notification.handlers.notify import Message, notify
from stampede.notification.store import NotificationUoW, OrderCopy
from stampede.ordering.contracts import OrderPlaced, OrderStatusChanged


def _path(order_id: str) -> str:
    return f"/mypage/orders/{order_id}"


def _confirmation(copy: OrderCopy, event_id: str) -> Message:
    params = {
        "title": copy.title, "reference": copy.order_id, "amount": copy.amount,
        "seats": list(copy.seat_labels), "session_starts_at": copy.session_starts_at,
        "start_date": copy.start_date, "end_date": copy.end_date,
    }  # fmt: skip
    return Message(event_id, copy.user_id, "booking_confirmed", params, _path(copy.order_id))


def _status(event: OrderStatusChanged, event_id: str) -> Message:
    params = {
        "subject_kind": "order", "reference": event.order_id, "status": event.status,
        "title": event.title, "reason": event.reason,
    }  # fmt: skip
    return Message(event_id, event.user_id, "status_changed", params, _path(event.order_id))


def _keep(copy: OrderCopy, event: OrderPlaced) -> None:
    copy.placed, copy.listing_kind, copy.title = True, event.listing_kind, event.title
    copy.amount, copy.seat_labels = event.amount, list(event.seat_labels)
    copy.session_starts_at = event.session_starts_at
    copy.start_date, copy.end_date = event.start_date, event.end_date


async def order_placed(event: OrderPlaced, uow: NotificationUoW) -> None:
    """Keep the order's details; send the confirmation that was waiting for them, if any."""
    copy = await uow.orders.claim(event.order_id, event.user_id)
    _keep(copy, event)
    waiting, copy.confirmed_event_id = copy.confirmed_event_id, None
    if waiting:
        await notify(uow, _confirmation(copy, waiting))


async def order_status_changed(event: OrderStatusChanged, uow: NotificationUoW) -> None:
    copy = await uow.orders.claim(event.order_id, event.user_id)
    if event.seq <= copy.told_seq:
        return
    copy.told_seq, copy.title = event.seq, copy.title or event.title
    if event.status == "CANCELLED":
        copy.confirmed_event_id = None
    if event.status != "CONFIRMED":
        await notify(uow, _status(event, uow.message_id))
    elif copy.placed:
        await notify(uow, _confirmation(copy, uow.message_id))
    else:
        copy.confirmed_event_id = uow.message_id


SUBSCRIPTIONS = (
    Subscription(OrderPlaced, order_placed),
    Subscription(OrderStatusChanged, order_status_changed),
)
