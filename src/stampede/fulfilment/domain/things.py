"""Deliveries, rentals and tickets, made from an ask, and how their states move.

A delivery goes ``requested → shipped → delivered``, a rental ``booked → picked_up →
returned``, a ticket ``issued → used``. Each may be cancelled only from its first state
(tickets: also only while no ticket of the order was used and the performance has not
started). A move asked for again once made changes nothing; any other move is a 409.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, TypeVar
from urllib.parse import quote

from stampede.fulfilment.contracts import ArrangeAsk
from stampede.fulfilment.domain.asks import seats_of
from stampede.kernel.errors import Conflict

FIRST = {"delivery": "requested", "rental": "booked", "tickets": "issued"}
DELIVERY_STATES = ("requested", "shipped", "delivered", "cancelled")
RENTAL_STATES = ("booked", "picked_up", "returned", "cancelled")
TICKET_STATES = ("issued", "used", "cancelled")


@dataclass(frozen=True)
class Move:
    source: str
    target: str
    done: str  # how a refusal names the move: "shipped"


DELIVERY_MOVES = {
    "ship": Move("requested", "shipped", "shipped"),
    "deliver": Move("shipped", "delivered", "delivered"),
}
RENTAL_MOVES = {
    "pickup": Move("booked", "picked_up", "picked up"),
    "return": Move("picked_up", "returned", "returned"),
}


@dataclass
class Delivery:
    id: str
    order_id: str
    user_id: str
    seller_id: str | None
    listing_id: str
    kind: str
    title: str
    quantity: int
    unit_id: str | None
    shop_id: str | None
    shipping_address: str | None
    state: str
    created_at: datetime
    updated_at: datetime
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    cancelled_at: datetime | None = None


@dataclass
class Rental:
    id: str
    order_id: str
    user_id: str
    seller_id: str | None
    listing_id: str
    title: str
    start_date: date
    end_date: date
    state: str
    created_at: datetime
    updated_at: datetime
    picked_up_at: datetime | None = None
    returned_at: datetime | None = None
    cancelled_at: datetime | None = None


@dataclass
class Ticket:
    id: str
    order_id: str
    user_id: str
    seller_id: str | None
    listing_id: str
    title: str
    seat_id: str
    seat_label: str
    session_starts_at: datetime
    code: str  # secret: only the buyer's QR code carries it
    state: str
    created_at: datetime
    updated_at: datetime
    used_at: datetime | None = None
    cancelled_at: datetime | None = None


T = TypeVar("T", Delivery, Rental, Ticket)


def _new_id() -> str:
    return str(uuid.uuid4())


def new_delivery(ask: ArrangeAsk, now: datetime) -> Delivery:
    return Delivery(
        id=_new_id(),
        order_id=ask.order_id,
        user_id=ask.user_id,
        seller_id=ask.seller_id,
        listing_id=ask.listing_id,
        kind=ask.kind,
        title=ask.title,
        quantity=ask.quantity,
        unit_id=ask.unit_id,
        shop_id=ask.shop_id,
        shipping_address=ask.shipping_address,
        state=FIRST["delivery"],
        created_at=now,
        updated_at=now,
    )


def new_rental(ask: ArrangeAsk, now: datetime) -> Rental:
    assert ask.start_date is not None and ask.end_date is not None  # checked by the ask
    return Rental(
        id=_new_id(),
        order_id=ask.order_id,
        user_id=ask.user_id,
        seller_id=ask.seller_id,
        listing_id=ask.listing_id,
        title=ask.title,
        start_date=ask.start_date,
        end_date=ask.end_date,
        state=FIRST["rental"],
        created_at=now,
        updated_at=now,
    )


def new_tickets(ask: ArrangeAsk, now: datetime) -> list[Ticket]:
    """One ticket per seat, each with its own secret check-in code (144 random bits)."""
    assert ask.session_starts_at is not None  # checked by the ask
    return [
        Ticket(
            id=_new_id(),
            order_id=ask.order_id,
            user_id=ask.user_id,
            seller_id=ask.seller_id,
            listing_id=ask.listing_id,
            title=ask.title,
            seat_id=seat_id,
            seat_label=label,
            session_starts_at=ask.session_starts_at,
            code=secrets.token_urlsafe(18),
            state=FIRST["tickets"],
            created_at=now,
            updated_at=now,
        )
        for seat_id, label in seats_of(ask)
    ]


def moved(thing: T, target: str, now: datetime) -> T:
    """The thing as a move to ``target`` at ``now`` left it (the store's ``move``)."""
    changes: dict[str, Any] = {"state": target, "updated_at": now, f"{target}_at": now}
    return replace(thing, **changes)


def judge(move: Move, current: str, noun: str) -> bool:
    """True: make the move now; False: it was made before (nothing to do); 409 otherwise."""
    if current == move.source:
        return True
    if current == move.target:
        return False
    raise Conflict(
        f"a {current.replace('_', ' ')} {noun} cannot be {move.done}", slug="wrong-state"
    )


def may_call_off(state: str, first: str, noun: str) -> bool:
    """True: cancel now; False: cancelled before; 409 ``too-late`` once it moved on."""
    if state == first:
        return True
    if state == "cancelled":
        return False
    raise Conflict(f"the {noun} is {state.replace('_', ' ')}: too late to cancel", slug="too-late")


def may_call_off_tickets(states: Sequence[str], starts_at: datetime, now: datetime) -> bool:
    """True: cancel every ticket now; False: cancelled before; 409 ``too-late`` once a ticket
    was used or the performance started."""
    if all(state == "cancelled" for state in states):
        return False
    if "used" in states:
        raise Conflict("a ticket of this order was used: too late to cancel", slug="too-late")
    if starts_at <= now:
        raise Conflict("the performance has started: too late to cancel", slug="too-late")
    return True


def tickets_state(states: Sequence[str]) -> str:
    """One state for an order's tickets: ``cancelled`` or ``used`` when all are, else
    ``issued``."""
    for whole in ("cancelled", "used"):
        if states and all(state == whole for state in states):
            return whole
    return "issued"


def refuse_check_in(state: str) -> Conflict:
    """Why a ticket that is not ``issued`` cannot be checked in."""
    if state == "used":
        return Conflict("this ticket was already used", slug="already-used")
    return Conflict("this ticket was cancelled", slug="ticket-cancelled")


def codes_match(given: str, kept: str) -> bool:
    """Constant-time comparison: timing tells nothing about the code."""
    return hmac.compare_digest(given.encode(), kept.encode())


def checkin_link(base: str, ticket_id: str, code: str) -> str:
    """What a ticket's QR code holds: the site's check-in page for this ticket and code."""
    return f"{base.rstrip('/')}/checkin/{ticket_id}?code={quote(code, safe='')}"
