"""Rentals: a car is booked, picked up and returned, each once and announced once, by its
seller's staff or an admin; the booking may be called off only until the pick-up."""

from __future__ import annotations

import httpx

from stampede.compose import Platform
from tests.fulfilment.support import arranged, ask, cancel, cast, events, get, post


async def test_a_car_is_picked_up_then_returned_each_once(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    c = await cast(api, platform)
    order = ask("dates", c.buyer.id, c.seller.user.id)
    answer = await arranged(platform, order)
    rental_id = answer["rental_id"]
    assert (answer["what"], answer["state"]) == ("rental", "booked")
    early = await post(api, f"/rentals/{rental_id}/return", c.seller)
    assert early.status_code == 409 and early.json()["type"].endswith("/wrong-state")
    customer = await post(api, f"/rentals/{rental_id}/pickup", c.buyer)
    assert customer.status_code == 403
    [listed] = (await get(api, "/rentals", c.seller, state="booked")).json()["items"]
    assert (listed["id"], listed["start_date"], listed["end_date"]) == (
        rental_id,
        order["start_date"],
        order["end_date"],
    )
    for action, state in (("pickup", "picked_up"), ("pickup", "picked_up"), ("return", "returned")):
        reply = await post(api, f"/rentals/{rental_id}/{action}", c.seller)
        assert reply.status_code == 200, reply.text
        assert reply.json()["state"] == state
    assert (await post(api, f"/rentals/{rental_id}/return", c.seller)).status_code == 200
    assert (await post(api, f"/rentals/{rental_id}/pickup", c.seller)).status_code == 409
    for event_type in ("RentalPickedUp", "RentalReturned"):
        [event] = await events(platform, event_type)
        assert (event["rental_id"], event["listing_id"], event["user_id"]) == (
            rental_id,
            order["listing_id"],
            c.buyer.id,
        )
    mine = await get(api, f"/rentals/{rental_id}", c.buyer)
    assert mine.status_code == 200 and mine.json()["returned_at"]
    assert (await get(api, "/rentals", c.seller, state="booked")).json()["items"] == []


async def test_a_booking_is_called_off_only_until_the_pick_up(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    c = await cast(api, platform)
    out = await c.outsiders(api, platform)
    booked = ask("dates", c.buyer.id, c.seller.user.id)
    booked_id = (await arranged(platform, booked))["rental_id"]
    assert (await post(api, f"/rentals/{booked_id}/pickup", out.seller)).status_code == 404
    assert (await get(api, f"/rentals/{booked_id}", out.stranger)).status_code == 404
    for _ in range(2):
        reply = await cancel(platform, booked["order_id"])
        assert reply.status_code == 200, reply.text
        assert (reply.json()["what"], reply.json()["state"]) == ("rental", "cancelled")
    [called_off] = await events(platform, "FulfilmentCancelled")
    assert (called_off["what"], called_off["order_id"]) == ("rental", booked["order_id"])
    assert (await post(api, f"/rentals/{booked_id}/pickup", c.admin)).status_code == 409

    taken = ask("dates", c.buyer.id, None)  # a car the platform rents out: admins handle it
    taken_id = (await arranged(platform, taken))["rental_id"]
    assert (await post(api, f"/rentals/{taken_id}/pickup", c.seller)).status_code == 404
    assert (await post(api, f"/rentals/{taken_id}/pickup", c.admin)).status_code == 200
    late = await cancel(platform, taken["order_id"])
    assert late.status_code == 409 and late.json()["type"].endswith("/too-late")
    assert (await get(api, f"/rentals/{taken_id}", c.buyer)).json()["state"] == "picked_up"
    assert len(await events(platform, "FulfilmentCancelled")) == 1
    assert [r["id"] for r in (await get(api, "/rentals", c.admin)).json()["items"]] == [
        booked_id,
        taken_id,
    ]
