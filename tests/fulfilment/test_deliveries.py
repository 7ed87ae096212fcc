"""Deliveries: the order reaches the seller, whose staff ship and deliver it, each move once
and announced once; the buyer may call it off only until it ships; nobody else sees it."""

from __future__ import annotations

import uuid

import httpx

from stampede.compose import Platform
from tests.fulfilment.support import (
    PROBLEM,
    arranged,
    ask,
    cancel,
    cast,
    events,
    get,
    post,
)


async def test_the_seller_ships_then_delivers_each_once(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    c = await cast(api, platform)
    order = ask("stock", c.buyer.id, c.seller.user.id)
    delivery_id = (await arranged(platform, order))["delivery_id"]
    early = await post(api, f"/deliveries/{delivery_id}/deliver", c.seller)
    assert early.status_code == 409 and early.headers["content-type"].startswith(PROBLEM)
    for _ in range(2):  # the second time changes nothing
        shipped = await post(api, f"/deliveries/{delivery_id}/ship", c.seller)
        assert shipped.status_code == 200, shipped.text
        assert shipped.json()["state"] == "shipped" and shipped.json()["shipped_at"]
    for _ in range(2):
        done = await post(api, f"/deliveries/{delivery_id}/deliver", c.seller)
        assert done.status_code == 200, done.text
        assert done.json()["state"] == "delivered"
    backwards = await post(api, f"/deliveries/{delivery_id}/ship", c.seller)
    assert backwards.status_code == 409
    assert backwards.json()["type"].endswith("/wrong-state")
    [shipped_event] = await events(platform, "DeliveryShipped")
    [delivered_event] = await events(platform, "DeliveryDelivered")
    for event in (shipped_event, delivered_event):
        assert (event["delivery_id"], event["order_id"], event["user_id"]) == (
            delivery_id,
            order["order_id"],
            c.buyer.id,
        )
    mine = await get(api, f"/deliveries/{delivery_id}", c.buyer)
    assert mine.status_code == 200 and mine.json()["state"] == "delivered"
    assert mine.json()["shipping_address"] == order["shipping_address"]


async def test_a_delivery_is_called_off_only_until_it_ships(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    c = await cast(api, platform)
    waiting = ask("unit", c.buyer.id, c.seller.user.id)
    waiting_id = (await arranged(platform, waiting))["delivery_id"]
    for _ in range(2):
        reply = await cancel(platform, waiting["order_id"])
        assert reply.status_code == 200, reply.text
        assert reply.json() | {"order_id": ""} == {
            "order_id": "",
            "what": "delivery",
            "state": "cancelled",
            "delivery_id": waiting_id,
            "rental_id": None,
            "ticket_ids": [],
        }
    [called_off] = await events(platform, "FulfilmentCancelled")
    assert (called_off["what"], called_off["order_id"]) == ("delivery", waiting["order_id"])
    assert (await post(api, f"/deliveries/{waiting_id}/ship", c.seller)).status_code == 409

    gone = ask("stock", c.buyer.id, c.seller.user.id)
    gone_id = (await arranged(platform, gone))["delivery_id"]
    assert (await post(api, f"/deliveries/{gone_id}/ship", c.seller)).status_code == 200
    late = await cancel(platform, gone["order_id"])
    assert late.status_code == 409 and late.json()["type"].endswith("/too-late")
    assert (await get(api, f"/deliveries/{gone_id}", c.seller)).json()["state"] == "shipped"
    assert len(await events(platform, "FulfilmentCancelled")) == 1


async def test_only_the_seller_or_an_admin_handles_a_delivery(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    c = await cast(api, platform)
    out = await c.outsiders(api, platform)
    delivery_id = (await arranged(platform, ask("stock", c.buyer.id, c.seller.user.id)))[
        "delivery_id"
    ]
    ship = f"/deliveries/{delivery_id}/ship"
    assert (await api.post(f"/api/fulfilment{ship}")).status_code == 401
    customer = await post(api, ship, c.buyer)
    assert customer.status_code == 403 and customer.json()["type"].endswith("/role-required")
    assert (await post(api, ship, out.seller)).status_code == 404
    for outsider in (out.seller, out.stranger):
        assert (await get(api, f"/deliveries/{delivery_id}", outsider)).status_code == 404
    assert (await get(api, "/deliveries", out.seller)).json()["items"] == []
    assert (await get(api, "/deliveries", c.buyer)).status_code == 403
    assert await events(platform, "DeliveryShipped") == []
    by_admin = await post(api, ship, c.admin)
    assert by_admin.status_code == 200 and by_admin.json()["state"] == "shipped"
    [listed] = (await get(api, "/deliveries", c.admin)).json()["items"]
    assert listed["id"] == delivery_id
    assert (await post(api, "/deliveries/not-an-id/ship", c.seller)).status_code == 422


async def test_the_seller_pages_through_deliveries_by_state(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    c = await cast(api, platform)
    ids = [
        (await arranged(platform, ask("stock", c.buyer.id, c.seller.user.id)))["delivery_id"]
        for _ in range(4)
    ]
    await arranged(platform, ask("stock", c.buyer.id, str(uuid.uuid4())))  # another seller's
    await post(api, f"/deliveries/{ids[1]}/ship", c.seller)
    seen: list[str] = []
    page = (await get(api, "/deliveries", c.seller, state="requested", limit=2)).json()
    seen += [d["id"] for d in page["items"]]
    page = await get(api, "/deliveries", c.seller, state="requested", cursor=page["next_cursor"])
    assert page.json()["next_cursor"] is None
    seen += [d["id"] for d in page.json()["items"]]
    assert seen == [ids[0], ids[2], ids[3]]  # oldest first
    [shipped] = (await get(api, "/deliveries", c.seller, state="shipped")).json()["items"]
    assert shipped["id"] == ids[1]
    assert len((await get(api, "/deliveries", c.seller)).json()["items"]) == 4
    for params in ({"state": "lost"}, {"cursor": "nope"}, {"limit": 0}, {"limit": 101}):
        reply = await get(api, "/deliveries", c.seller, **params)
        assert reply.status_code == 422, params
        assert reply.headers["content-type"].startswith(PROBLEM)
