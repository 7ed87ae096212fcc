"""My page on the embedded platform: events published by the other contexts become one card
per order, whatever order they come in and however often; each page is the caller's own and
costs one SQL statement."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event

from stampede.compose import Platform
from stampede.kernel.messages import Envelope
from stampede.kernel.sqltypes import new_id
from tests.identity.support import User, new_user
from tests.mypage.support import (
    MYPAGE,
    at,
    delivery_journey,
    for_order,
    order,
    orders,
    placed,
    publish,
    rental_journey,
    ticket_journey,
    unpaid_journey,
    wrap,
)


def without_id(card: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in card.items() if k != "order_id"}


async def test_a_booking_shows_tickets_payment_and_a_timeline(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    buyer, order_id = await new_user(api), new_id()
    await publish(platform, wrap(ticket_journey(order_id, buyer.id)))
    card = await order(api, buyer.auth, order_id)
    assert (card["status"], card["listing_kind"], card["amount"]) == (
        "COMPLETED", "performance", 100_000,
    )  # fmt: skip
    assert card["payment"]["state"] == "approved" and card["payment"]["captured"] == 100_000
    assert card["seat_labels"] == ["R석 A1", "R석 A2"]
    assert [(t["seat_label"], t["state"]) for t in card["tickets"]] == [
        ("R석 A1", "checked_in"),
        ("R석 A2", "issued"),
    ]
    timeline = card["timeline"]
    assert [e["what"] for e in timeline][:3] == [
        "order_placed",
        "payment_ready",
        "payment_approved",
    ]
    assert [e.get("status") for e in timeline if e["what"].startswith("order_")] == [
        "PENDING_PAYMENT", "PAID", "CONFIRMED", "COMPLETED",
    ]  # fmt: skip
    assert [e["at"] for e in timeline] == sorted(e["at"] for e in timeline)


async def test_any_arrival_order_and_duplicates_give_the_same_card(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    """One order's events in order; the same events newest first, one publish at a time (a
    PaymentApproved before its OrderPlaced, an older status after a newer one); and all at once
    with every message delivered twice. The three cards are the same."""
    buyer = await new_user(api)
    in_order, reversed_, at_once = new_id(), new_id(), new_id()
    journey = delivery_journey(in_order, buyer.id)
    await publish(platform, wrap(journey))
    for envelope in reversed(wrap(for_order(journey, reversed_))):
        await publish(platform, [envelope])
        assert (await order(api, buyer.auth, reversed_))["status"] == "COMPLETED"  # never back
    envelopes = wrap(for_order(journey, at_once))
    await publish(platform, envelopes + envelopes)
    cards = [await order(api, buyer.auth, o) for o in (in_order, reversed_, at_once)]
    assert cards[0]["status"] == "COMPLETED" and cards[0]["delivery"]["state"] == "delivered"
    assert len(cards[0]["timeline"]) == len(envelopes)
    assert without_id(cards[1]) == without_id(cards[0]) == without_id(cards[2])


async def test_a_redelivered_message_is_handled_once(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    buyer, order_id = await new_user(api), new_id()
    envelopes = wrap(rental_journey(order_id, buyer.id))
    await publish(platform, envelopes)
    refund = next(e for e in envelopes if e.type == "PaymentRefunded")
    again = Envelope(refund.type, refund.source, refund.data, refund.subject, id=refund.id)
    await publish(platform, [again, again])
    card = await order(api, buyer.auth, order_id)
    assert [e["what"] for e in card["timeline"]].count("payment_refunded") == 1
    assert (card["status"], card["reason"]) == ("CANCELLED", "customer")
    assert card["payment"] == {
        "payment_id": card["payment"]["payment_id"], "state": "refunded",
        "captured": 100_000, "refunded_total": 100_000,
    }  # fmt: skip
    assert card["rental"]["state"] == "cancelled" and card["rental"]["start_date"] == "2026-03-20"


async def test_orders_are_private(api: httpx.AsyncClient, platform: Platform) -> None:
    owner, stranger = await new_user(api), await new_user(api)
    order_id = new_id()
    await publish(platform, wrap(unpaid_journey(order_id, owner.id)))
    assert (await api.get(f"{MYPAGE}/orders/{order_id}", headers=stranger.auth)).status_code == 404
    assert (await orders(api, stranger.auth))["items"] == []
    missing = await api.get(f"{MYPAGE}/orders/{new_id()}", headers=owner.auth)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert (await api.get(f"{MYPAGE}/orders/not-an-id", headers=owner.auth)).status_code == 422
    assert (await api.get(f"{MYPAGE}/orders")).status_code == 401
    assert (await api.get(f"{MYPAGE}/orders/{order_id}")).status_code == 401
    [mine] = (await orders(api, owner.auth))["items"]
    assert (mine["order_id"], mine["status"], mine["payment"]["state"]) == (
        order_id, "CANCELLED", "failed",
    )  # fmt: skip


async def _five_orders(platform: Platform, buyer: User) -> list[str]:
    """Five orders placed a minute apart, of every kind; their ids newest first."""
    kinds = ["deal", "performance", "device", "car", "performance"]
    ids = [new_id() for _ in kinds]
    events = [
        placed(o, buyer.id, kind, at(n)) for n, (o, kind) in enumerate(zip(ids, kinds, strict=True))
    ]
    await publish(platform, wrap(events))
    return ids[::-1]


async def test_orders_page_newest_first_and_filter_by_kind(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    buyer = await new_user(api)
    newest_first = await _five_orders(platform, buyer)
    seen: list[str] = []
    cursor: str | None = None
    for size in (2, 2, 1):
        page = await orders(api, buyer.auth, limit=2, **({"cursor": cursor} if cursor else {}))
        assert len(page["items"]) == size
        seen += [item["order_id"] for item in page["items"]]
        cursor = page["next_cursor"]
    assert cursor is None and seen == newest_first
    shows = await orders(api, buyer.auth, kind="performance")
    assert [i["order_id"] for i in shows["items"]] == [newest_first[0], newest_first[3]]
    assert all("timeline" not in item for item in shows["items"])
    for bad in ({"limit": 51}, {"limit": 0}, {"kind": "boat"}, {"cursor": "nope"}):
        reply = await api.get(f"{MYPAGE}/orders", headers=buyer.auth, params=bad)
        assert reply.status_code == 422, bad


@contextmanager
def statements(platform: Platform) -> Iterator[list[str]]:
    """The SQL my page's database runs meanwhile, leaving out transaction control and the
    outbox relay's polling (which runs on its own schedule)."""
    engine = platform.runtimes["mypage"].db.engine.sync_engine
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        words = statement.lstrip().split(None, 1)
        if (
            words
            and words[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK")
            and ("outbox" not in statement)
        ):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_each_page_is_one_statement(api: httpx.AsyncClient, platform: Platform) -> None:
    buyer = await new_user(api)
    newest_first = await _five_orders(platform, buyer)
    await publish(platform, wrap(ticket_journey(newest_first[0], buyer.id)[1:]))
    first = await orders(api, buyer.auth, limit=2)
    pages = [
        {"limit": 2},
        {"limit": 2, "cursor": first["next_cursor"]},
        {"kind": "performance", "cursor": first["next_cursor"]},
    ]
    for params in pages:
        with statements(platform) as seen:
            await orders(api, buyer.auth, **params)
        assert len(seen) == 1, (params, seen)
    with statements(platform) as seen:
        card = await order(api, buyer.auth, newest_first[0])
    assert len(seen) == 1 and len(card["tickets"]) == 2
