"""Seats, phone units and car days through the public API; idempotency; release; bad input."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from stampede.compose import Platform
from tests.catalog.support import car, create, device, events, new_business, new_shop, performance
from tests.identity.support import new_admin
from tests.sales.support import OPEN, SALES, buyers, hold, new_deal, share_clock


async def _seats(api: httpx.AsyncClient, platform: Platform) -> tuple[str, list[str]]:
    business = await new_business(api, platform)
    listing = await create(api, business.auth, performance(waiting_room=False))
    await platform.settle()
    first = (await events(platform, "SeatsSet"))[0]
    return listing["id"], [seat["seat_id"] for seat in first["seats"]]


async def test_seats_are_held_all_or_nothing(api: httpx.AsyncClient, platform: Platform) -> None:
    share_clock(platform, OPEN)
    listing_id, seats = await _seats(api, platform)
    a, b = await buyers(api, 2)
    first = await hold(api, a, {"listing_id": listing_id, "seat_ids": seats[:2]})
    assert first.status_code == 201, first.text
    overlap = await hold(api, b, {"listing_id": listing_id, "seat_ids": seats[1:3]})
    assert overlap.status_code == 409 and overlap.json()["type"].endswith("taken")
    rest = await hold(api, b, {"listing_id": listing_id, "seat_ids": seats[2:4]})
    assert rest.status_code == 201, rest.text
    unknown = await hold(api, b, {"listing_id": listing_id, "seat_ids": [listing_id]})
    assert unknown.status_code == 404


async def test_a_seat_map_shows_the_seats_taken_now(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform, OPEN)
    listing_id, seats = await _seats(api, platform)
    (buyer,) = await buyers(api, 1)
    left = f"/api/sales/{listing_id}/availability"
    empty = await api.get(left)
    assert empty.status_code == 200 and empty.json() == {"seats_taken": []}
    held = await hold(api, buyer, {"listing_id": listing_id, "seat_ids": seats[:2]})
    assert (await api.get(left)).json()["seats_taken"] == sorted(seats[:2])
    released = await api.delete(f"/api/sales/holds/{held.json()['hold_id']}", headers=buyer.auth)
    assert released.status_code == 204
    assert (await api.get(left)).json() == {"seats_taken": []}
    assert (await api.get(f"/api/sales/{seats[0]}/availability")).json() == {}
    assert (await api.get("/api/sales/not-a-uuid/availability")).status_code == 422


async def test_a_phone_unit_is_sold_once_and_any_unit_means_the_next_free(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform, OPEN)
    business = await new_business(api, platform)
    shop_id = await new_shop(api, business.auth)
    listing = await create(api, business.auth, device(shop_id, "SN-1", "SN-2"))
    await platform.settle()
    a, b, c = await buyers(api, 3)
    body = {"listing_id": listing["id"], "shop_id": shop_id}
    left = f"/api/sales/{listing['id']}/availability"
    assert (await api.get(left)).json() == {"units_free": {shop_id: 2}}
    units = [(await hold(api, u, body)).json() for u in (a, b)]
    assert len({u["unit_id"] for u in units}) == 2
    assert (await api.get(left)).json() == {"units_free": {shop_id: 0}}
    none_left = await hold(api, c, body)
    assert none_left.status_code == 409
    again = await hold(api, c, {"listing_id": listing["id"], "unit_id": units[0]["unit_id"]})
    assert again.status_code == 409


async def test_car_days_never_overlap(api: httpx.AsyncClient, platform: Platform) -> None:
    share_clock(platform, OPEN)
    admin = await new_admin(api, platform)
    listing = await create(api, admin.auth, car())
    await platform.settle()
    a, b = await buyers(api, 2)
    day = date(2025, 4, 1)

    def rental(start: int, end: int) -> dict[str, Any]:
        first, last = day + timedelta(days=start), day + timedelta(days=end)
        return {"listing_id": listing["id"], "start_date": str(first), "end_date": str(last)}

    left = f"/api/sales/{listing['id']}/availability"
    assert (await api.get(left)).json() == {"days_booked": []}
    assert (await hold(api, a, rental(7, 9))).status_code == 201
    assert (await hold(api, a, rental(0, 3))).status_code == 201
    assert (await hold(api, b, rental(2, 4))).status_code == 409
    assert (await hold(api, b, rental(3, 5))).status_code == 201  # returned on day 3
    booked = [
        {"from": p["start_date"], "until": p["end_date"]} for p in (rental(0, 5), rental(7, 9))
    ]
    assert (await api.get(left)).json() == {"days_booked": booked}  # touching periods joined


async def test_an_idempotency_key_replays_the_first_hold(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform, OPEN)
    listing_id = await new_deal(api, platform, stock=5, per_user_limit=5)
    (buyer,) = await buyers(api, 1)
    body = {"listing_id": listing_id, "quantity": 1}
    first = await hold(api, buyer, body, key="k-1")
    replay = await hold(api, buyer, body | {"quantity": 2}, key="k-1")
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    other = await hold(api, buyer, body, key="k-2")
    assert other.json()["hold_id"] != first.json()["hold_id"]


async def test_releasing_gives_the_stock_back_once(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform, OPEN)
    listing_id = await new_deal(api, platform, stock=1)
    a, b = await buyers(api, 2)
    held = (await hold(api, a, {"listing_id": listing_id})).json()
    path = f"{SALES}/holds/{held['hold_id']}"
    assert (await api.delete(path, headers=b.auth)).status_code == 404
    assert (await hold(api, b, {"listing_id": listing_id})).status_code == 409
    assert (await api.delete(path, headers=a.auth)).status_code == 204
    assert (await api.delete(path, headers=a.auth)).status_code == 204
    assert (await api.get(path, headers=a.auth)).json()["state"] == "released"
    assert (await hold(api, b, {"listing_id": listing_id})).status_code == 201
    assert (await hold(api, a, {"listing_id": listing_id})).status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        {"quantity": 0},
        {"quantity": 1, "seat_ids": []},
        {"start_date": "2025-04-02", "end_date": "2025-04-01"},
        {"start_date": "2025-04-01"},
        {"quantity": "many"},
        {"surprise": 1},
        {"seat_ids": ["not-a-uuid"]},
    ],
)
async def test_bad_bodies_are_422_and_change_nothing(
    api: httpx.AsyncClient, platform: Platform, body: dict[str, Any]
) -> None:
    share_clock(platform, OPEN)
    listing_id = await new_deal(api, platform, stock=1)
    (buyer,) = await buyers(api, 1)
    reply = await hold(api, buyer, {"listing_id": listing_id} | body)
    assert reply.status_code == 422 and reply.headers["content-type"].startswith(
        "application/problem"
    )
    assert (await hold(api, buyer, {"listing_id": listing_id})).status_code == 201


async def test_guests_cannot_hold_or_queue(api: httpx.AsyncClient, platform: Platform) -> None:
    share_clock(platform, OPEN)
    listing_id = await new_deal(api, platform)
    assert (await api.post(f"{SALES}/holds", json={"listing_id": listing_id})).status_code == 401
    assert (await api.post(f"{SALES}/{listing_id}/queue")).status_code == 401


async def test_outside_the_window_nothing_is_held(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    clock = share_clock(platform, OPEN)
    listing_id = await new_deal(api, platform)
    (buyer,) = await buyers(api, 1)
    clock.advance(hours=2)
    closed = await hold(api, buyer, {"listing_id": listing_id})
    assert closed.status_code == 409 and closed.json()["type"].endswith("sale-closed")


async def test_one_idempotency_key_in_two_sales_makes_two_holds(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform, OPEN)
    first, second = [await new_deal(api, platform, stock=5) for _ in range(2)]
    (buyer,) = await buyers(api, 1)
    a = await hold(api, buyer, {"listing_id": first}, key="same-key")
    b = await hold(api, buyer, {"listing_id": second}, key="same-key")
    assert (a.status_code, b.status_code) == (201, 201), b.text
    assert a.json()["hold_id"] != b.json()["hold_id"]


async def test_rentals_start_from_today_within_a_year_and_two_at_a_time(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform, OPEN)
    admin = await new_admin(api, platform)
    listing = await create(api, admin.auth, car())
    await platform.settle()
    (buyer,) = await buyers(api, 1)

    def rental(start: str, end: str) -> dict[str, Any]:
        return {"listing_id": listing["id"], "start_date": start, "end_date": end}

    past = await hold(api, buyer, rental("2025-03-01", "2025-03-03"))
    assert past.status_code == 422 and past.json()["type"].endswith("date-in-past")
    far = await hold(api, buyer, rental("2026-06-01", "2026-06-03"))
    assert far.status_code == 422 and far.json()["type"].endswith("date-too-far")
    for start, end in (("2025-04-01", "2025-04-03"), ("2025-05-01", "2025-05-03")):
        assert (await hold(api, buyer, rental(start, end))).status_code == 201
    third = await hold(api, buyer, rental("2025-06-01", "2025-06-03"))
    assert third.status_code == 429
