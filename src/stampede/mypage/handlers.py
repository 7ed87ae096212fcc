"""My page's consumers: every event about an order, from ordering, payment and fulfilment.

One queue per event type (``mypage.order_placed``, ``mypage.payment_approved``, …); each
message is handled once (inbox) in its own transaction on the order's locked card. Events of
one order arrive from three exchanges in any order: whichever comes first creates the card and
each later one completes it (see :mod:`stampede.mypage.domain.rules`). My page never calls or
reads another context.
"""

from __future__ import annotations

from stampede.kernel.messages import Event
from stampede.kernel.module import EventHandler, Subscription
from stampede.mypage.domain.rules import EVENTS, OrderEvent, apply, what
from stampede.mypage.store import MyPageUoW


async def record(event: OrderEvent, uow: MyPageUoW) -> None:
    """Merge one event into its order's card (created when it is the order's first)."""
    card = await uow.cards.claim(event.order_id, event.user_id, event.at)
    apply(card, event)
    await uow.cards.save(card)


def _consumer(kind: type[Event]) -> EventHandler:
    """``record`` under the event's own name, which names its queue."""

    async def consume(event: OrderEvent, uow: MyPageUoW) -> None:
        await record(event, uow)

    consume.__name__ = consume.__qualname__ = what(kind)
    return consume


SUBSCRIPTIONS: tuple[Subscription, ...] = tuple(
    Subscription(kind, _consumer(kind)) for kind in EVENTS
)
