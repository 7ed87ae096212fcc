"""An order's card is the same whatever order its events arrive in, and never goes back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from stampede.fulfilment.contracts import FulfilmentCancelled, TicketIssued
from stampede.kernel.messages import Event
from stampede.kernel.sqltypes import new_id
from stampede.mypage.domain.card import OrderCard
from stampede.mypage.domain.rules import apply
from stampede.payment.contracts import PaymentApproved
from tests.mypage.support import (
    at,
    changed,
    delivery_journey,
    placed,
    rental_journey,
    ticket_journey,
    unpaid_journey,
)

ORDER, USER = new_id(), new_id()
JOURNEYS: dict[str, list[Event]] = {
    "tickets": ticket_journey(ORDER, USER),
    "delivery": delivery_journey(ORDER, USER),
    "rental": rental_journey(ORDER, USER),
    "unpaid": unpaid_journey(ORDER, USER),
}


def card_of(events: Sequence[Event]) -> OrderCard:
    """The card as the store builds it: created by the first event, then every one merged."""
    first: Any = events[0]
    card = OrderCard(ORDER, USER, placed_at=first.at, updated_at=first.at)
    for event in events:
        apply(card, event)  # type: ignore[arg-type]
    return card


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(JOURNEYS)), st.data())
def test_any_arrival_order_gives_the_same_card(name: str, data: st.DataObject) -> None:
    journey = JOURNEYS[name]
    shuffled = data.draw(st.permutations(journey))
    assert asdict(card_of(shuffled)) == asdict(card_of(journey))


def test_the_in_order_ticket_card_has_everything() -> None:
    card = card_of(JOURNEYS["tickets"])
    assert (card.status, card.status_seq, card.reason) == ("COMPLETED", 3, "checked_in")
    assert (card.payment_state, card.captured, card.amount) == ("approved", 100_000, 100_000)
    assert card.seat_labels == ["R석 A1", "R석 A2"] and card.placed_at == at(0)
    assert [(t["seat_label"], t["state"]) for t in card.tickets] == [
        ("R석 A1", "checked_in"),
        ("R석 A2", "issued"),
    ]
    whats = [entry["what"] for entry in card.timeline]
    assert whats[0] == "order_placed" and whats[-1] == "order_status_changed"
    assert len(whats) == len(JOURNEYS["tickets"])
    assert [e["at"] for e in card.timeline] == sorted(e["at"] for e in card.timeline)


def test_an_older_status_change_never_moves_the_status_back() -> None:
    newer = changed(ORDER, USER, "deal", ("PAID", "CONFIRMED", 2, "fulfilment_arranged"), at(5))
    older = changed(ORDER, USER, "deal", ("PENDING_PAYMENT", "PAID", 1, "paid"), at(3))
    card = card_of([newer, older, placed(ORDER, USER, "deal", at(0))])
    assert (card.status, card.status_seq) == ("CONFIRMED", 2)
    assert [e.get("status") for e in card.timeline] == ["PENDING_PAYMENT", "PAID", "CONFIRMED"]


def test_an_early_event_dates_and_prices_the_order_until_it_is_placed() -> None:
    money = {"payment_id": new_id(), "order_id": ORDER, "user_id": USER, "amount": 90_000}
    card = card_of([PaymentApproved(**money, captured=90_000, at=at(2))])
    assert (card.amount, card.placed_at, card.status, card.placed) == (90_000, at(2), None, False)
    apply(card, placed(ORDER, USER, "deal", at(0), amount=100_000))  # type: ignore[arg-type]
    assert (card.amount, card.placed_at, card.status) == (100_000, at(0), "PENDING_PAYMENT")


def test_tickets_issued_after_they_were_called_off_arrive_cancelled() -> None:
    issue: Callable[[float], Event] = lambda minute: TicketIssued(  # noqa: E731
        order_id=ORDER, user_id=USER, ticket_id=new_id(), seat_id=new_id(), seat_label="B1",
        at=at(minute),
    )  # fmt: skip
    called_off = FulfilmentCancelled(order_id=ORDER, user_id=USER, what="tickets", at=at(3))
    card = card_of([issue(1), called_off, issue(2)])
    assert [t["state"] for t in card.tickets] == ["cancelled", "cancelled"]
