"""Ordering's signed commands: arranging is idempotent by order and announced once, a
malformed ask arranges nothing, only signed callers get in, and calling an order off before
it was arranged keeps it from being arranged later."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest

from stampede.compose import Platform
from stampede.fulfilment.contracts import Arranged
from stampede.kernel.errors import Unprocessable
from stampede.kernel.internal import HEADER, Caller, service_token
from tests.fulfilment.support import ORDERS, PROBLEM, ask, cancel, command, events


@pytest.mark.parametrize(
    ("kind", "what", "state", "event"),
    [
        ("stock", "delivery", "requested", "DeliveryRequested"),
        ("unit", "delivery", "requested", "DeliveryRequested"),
        ("dates", "rental", "booked", "RentalBooked"),
        ("seats", "tickets", "issued", "TicketIssued"),
    ],
)
async def test_arranging_twice_answers_the_same_and_announces_once(
    platform: Platform, kind: str, what: str, state: str, event: str
) -> None:
    body = ask(kind)
    first = await command(platform, ORDERS, body)
    again = await command(platform, ORDERS, body)
    assert (first.status_code, again.status_code) == (201, 200), first.text
    assert first.json() == again.json()
    answer = first.json()
    assert (answer["order_id"], answer["what"], answer["state"]) == (body["order_id"], what, state)
    announced = await events(platform, event)
    expected = 2 if kind == "seats" else 1
    assert len(announced) == expected
    assert {e["order_id"] for e in announced} == {body["order_id"]}
    assert {e["user_id"] for e in announced} == {body["user_id"]}
    ids = answer["ticket_ids"] or [answer["delivery_id"] or answer["rental_id"]]
    key = {"delivery": "delivery_id", "rental": "rental_id", "tickets": "ticket_id"}[what]
    assert sorted(e[key] for e in announced) == sorted(ids)


async def test_announcements_carry_what_the_order_got(platform: Platform) -> None:
    phone, car, show = ask("unit"), ask("dates"), ask("seats")
    for body in (phone, car, show):
        assert (await command(platform, ORDERS, body)).status_code == 201
    [requested] = await events(platform, "DeliveryRequested")
    assert requested["shop_id"] == phone["shop_id"]
    [booked] = await events(platform, "RentalBooked")
    assert (booked["listing_id"], booked["start_date"], booked["end_date"]) == (
        car["listing_id"],
        car["start_date"],
        car["end_date"],
    )
    issued = await events(platform, "TicketIssued")
    assert sorted((e["seat_id"], e["seat_label"]) for e in issued) == sorted(
        zip(show["seat_ids"], show["seat_labels"], strict=True)
    )


MALFORMED: list[tuple[str, dict[str, Any]]] = [
    ("parcel", {}),
    ("stock", {"quantity": 0}),
    ("unit", {"unit_id": None}),
    ("dates", {"start_date": "2025-03-23", "end_date": "2025-03-20"}),
    ("dates", {"end_date": None}),
    ("seats", {"session_starts_at": None}),
    ("seats", {"session_starts_at": "2025-03-20T19:00:00"}),  # no offset: which 19:00?
    ("seats", {"seat_labels": ["A-1-1"]}),
    ("seats", {"seat_ids": []}),
    ("seats", {"seat_ids": ["seat-1", "seat-2"]}),
    ("stock", {"order_id": "order-1"}),
    ("stock", {"title": ""}),
    ("stock", {"quantity": 10**12}),
    ("stock", {"shipping_address": "x" * 301}),
    ("stock", {"surprise": True}),
]


async def test_a_malformed_ask_is_refused_and_arranges_nothing(platform: Platform) -> None:
    for kind, changes in MALFORMED:
        body = ask(kind, **changes)
        reply = await command(platform, ORDERS, body)
        assert reply.status_code == 422, (kind, changes, reply.text)
        assert reply.headers["content-type"].startswith(PROBLEM)
        if kind in ("stock", "dates", "seats") and "order_id" not in changes:
            fixed = ask(kind, order_id=body["order_id"])  # nothing was kept of the refused ask
            assert (await command(platform, ORDERS, fixed)).status_code == 201, (kind, changes)
    issued = len(await events(platform, "TicketIssued"))
    assert (len(await events(platform, "DeliveryRequested")), issued) == (5, 10)
    assert len(await events(platform, "RentalBooked")) == 2


async def test_only_signed_callers_reach_the_internal_routes(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    body = ask("stock")
    wrong_secret = {HEADER: service_token("another-secret-of-some-length", "ordering")}
    forged_name = {HEADER: service_token(platform.settings.secret_key, "ordering")[:-1] + "0"}
    for headers, status in (({}, 401), (wrong_secret, 403), (forged_name, 403)):
        for path, sent in ((ORDERS, body), (f"{ORDERS}/{body['order_id']}/cancel", None)):
            reply = await command(platform, path, sent, headers=headers)
            assert reply.status_code == status, reply.text
            assert reply.headers["content-type"].startswith(PROBLEM)
    unsigned_on_the_public_port = await api.post(ORDERS, json=body)
    assert unsigned_on_the_public_port.status_code == 401
    assert await events(platform, "DeliveryRequested") == []
    assert (await command(platform, ORDERS, body)).status_code == 201


async def test_an_order_called_off_before_it_was_arranged_is_never_arranged(
    platform: Platform,
) -> None:
    body = ask("stock")
    first = await cancel(platform, body["order_id"])
    assert first.status_code == 200, first.text
    assert first.json() | {"order_id": ""} == {
        "order_id": "",
        "what": "nothing",
        "state": "cancelled",
        "delivery_id": None,
        "rental_id": None,
        "ticket_ids": [],
    }
    late = await command(platform, ORDERS, body)
    assert late.status_code == 200, late.text
    assert (late.json()["what"], late.json()["state"], late.json()["delivery_id"]) == (
        "delivery",
        "cancelled",
        None,
    )
    assert (await cancel(platform, body["order_id"])).json() == first.json()
    assert await events(platform, "DeliveryRequested") == []
    assert await events(platform, "FulfilmentCancelled") == []
    assert (await cancel(platform, "not-a-uuid")).status_code == 422


async def test_ordering_s_caller_gets_answers_and_refusals_as_ordering_sees_them(
    platform: Platform,
) -> None:
    """Through the platform's call client, as ordering's saga calls (kernel.internal.Caller)."""
    ordering = Caller(replace(platform.runtimes["fulfilment"], context="ordering"))
    body = ask("dates")
    found = Arranged.model_validate(await ordering.command("fulfilment", "POST", ORDERS, body))
    assert (found.what, found.state, found.order_id) == ("rental", "booked", body["order_id"])
    path = f"{ORDERS}/{body['order_id']}/cancel"
    called_off = Arranged.model_validate(await ordering.command("fulfilment", "POST", path))
    assert (called_off.state, called_off.rental_id) == ("cancelled", found.rental_id)
    with pytest.raises(Unprocessable) as refused:
        await ordering.command("fulfilment", "POST", ORDERS, ask("dates", end_date=None))
    assert refused.value.slug == "bad-arrangement"
