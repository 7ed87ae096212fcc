"""What an order asks fulfilment to arrange, checked before anything is written.

``stock`` (a deal's goods) and ``unit`` (a phone at a shop) get a delivery, ``dates`` (a car)
a rental, ``seats`` one ticket per seat. A malformed ask is a 422 ``bad-arrangement`` with
the reason; ordering treats that as "cannot be arranged" and cancels the order.
"""

from __future__ import annotations

import uuid

from stampede.fulfilment.contracts import ArrangeAsk
from stampede.kernel.errors import Unprocessable

WHAT = {"stock": "delivery", "unit": "delivery", "dates": "rental", "seats": "tickets"}
NOTHING = "nothing"  # the order was called off before anything was arranged
TITLE_MAX, ADDRESS_MAX, LABEL_MAX, SEATS_MAX, QUANTITY_MAX = 200, 300, 100, 100, 1_000_000


def what_to_arrange(ask: ArrangeAsk) -> str:
    """``delivery``, ``rental`` or ``tickets`` for a well-formed ask; 422 otherwise."""
    what = WHAT.get(ask.kind)
    if what is None:
        raise Unprocessable(f"unknown kind {ask.kind!r}", slug="bad-arrangement")
    problem = _id_problem(ask) or _size_problem(ask) or _PROBLEMS[what](ask)
    if problem:
        raise Unprocessable(problem, slug="bad-arrangement")
    return what


def seats_of(ask: ArrangeAsk) -> list[tuple[str, str]]:
    """``(seat_id, label)`` per seat; without labels a seat is labelled by its id."""
    labels = ask.seat_labels or ask.seat_ids
    return list(zip(ask.seat_ids, labels, strict=True))


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _id_problem(ask: ArrangeAsk) -> str:
    ids = [ask.order_id, ask.user_id, ask.listing_id, *ask.seat_ids]
    ids += [i for i in (ask.seller_id, ask.unit_id, ask.shop_id) if i is not None]
    return "" if all(_is_uuid(i) for i in ids) else "ids must be UUIDs"


def _size_problem(ask: ArrangeAsk) -> str:
    if not 0 < len(ask.title) <= TITLE_MAX or len(ask.shipping_address or "") > ADDRESS_MAX:
        return f"title needs 1–{TITLE_MAX} characters, shipping_address at most {ADDRESS_MAX}"
    if len(ask.seat_ids) > SEATS_MAX or any(len(x) > LABEL_MAX for x in ask.seat_labels):
        return f"at most {SEATS_MAX} seats, labels of at most {LABEL_MAX} characters"
    return "" if ask.quantity <= QUANTITY_MAX else f"at most {QUANTITY_MAX} pieces"


def _delivery_problem(ask: ArrangeAsk) -> str:
    if ask.kind == "stock" and ask.quantity < 1:
        return "a deal's delivery needs a quantity of at least 1"
    if ask.kind == "unit" and (ask.unit_id is None or ask.quantity < 0):
        return "a phone's delivery needs its unit_id (and no negative quantity)"
    return ""


def _rental_problem(ask: ArrangeAsk) -> str:
    if ask.start_date is None or ask.end_date is None:
        return "a rental needs start_date and end_date"
    return "" if ask.start_date <= ask.end_date else "a rental cannot end before it starts"


def _tickets_problem(ask: ArrangeAsk) -> str:
    if not ask.seat_ids or len(set(ask.seat_ids)) != len(ask.seat_ids):
        return "tickets need distinct seat_ids"
    if ask.seat_labels and len(ask.seat_labels) != len(ask.seat_ids):
        return "seat_labels must name every seat in seat_ids"
    starts_at = ask.session_starts_at
    if starts_at is None or starts_at.tzinfo is None:
        return "tickets need session_starts_at with its UTC offset"
    return ""


_PROBLEMS = {"delivery": _delivery_problem, "rental": _rental_problem, "tickets": _tickets_problem}
