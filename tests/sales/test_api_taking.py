"""An order takes a buyer's hold and gives it back, through sales' signed internal routes, on
the embedded platform: a taken hold outlives its expiry, only its order ends it, and giving it
back frees the goods once; who may call, and with what."""

from __future__ import annotations

import uuid

import httpx

from stampede.compose import Platform
from stampede.kernel.internal import HEADER, service_token
from stampede.sales.domain.holds import ORDERED_EXPIRY_MS
from stampede.sales.handlers import upkeep
from tests.sales.support import OPEN, PROBLEM, SALES, buyers, hold, new_deal, share_clock
from tests.sales.taking_support import (
    HOLDS,
    KINDS,
    give_back,
    goods,
    in_inventory,
    internal,
    outbox,
    recorded,
    sales,
    take,
)

GOODS = ("quantity", "seat_ids", "unit_id", "start_date", "end_date")


def _slug(reply: httpx.Response) -> str:
    assert reply.headers["content-type"].startswith(PROBLEM), reply.text
    slug: str = reply.json()["type"].rsplit("/", 1)[-1]
    return slug


async def test_a_taken_hold_of_every_kind_outlives_its_expiry_until_given_back(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    clock = share_clock(platform, OPEN)
    shop = await goods(api, platform)
    buyer, rival = await buyers(api, 2)
    inventory = sales(platform).inventory
    free = {kind: await inventory.available(shop.listing(kind)) for kind in KINDS}
    taken: dict[str, tuple[str, str]] = {}
    for kind in KINDS:
        placed = (await hold(api, buyer, shop.bodies[kind])).json()
        order_id = str(uuid.uuid4())
        answer = await take(platform, placed["hold_id"], buyer, order_id)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {
            **{name: placed[name] for name in ("hold_id", "listing_id", "kind", *GOODS)},
            "order_id": order_id,
            "user_id": buyer.id,
            "shop_id": shop.shop_id if kind == "unit" else None,
        }
        taken[kind] = placed["hold_id"], order_id
    held = {kind: await inventory.available(shop.listing(kind)) for kind in KINDS}
    assert all(held[kind] < free[kind] for kind in KINDS), (held, free)

    clock.advance(seconds=platform.settings.hold_ttl_s + 5)  # due, and overdue in the record
    await upkeep.sweep(sales(platform))
    await upkeep.sweep(sales(platform))
    for kind, (hold_id, _) in taken.items():
        read = await api.get(f"{SALES}/holds/{hold_id}", headers=buyer.auth)
        assert read.json()["state"] == "live", kind
        assert await in_inventory(platform, shop.listing(kind), hold_id) == ORDERED_EXPIRY_MS
        assert await inventory.available(shop.listing(kind)) == held[kind], kind
    assert await outbox(platform, "HoldExpired") == []

    for kind, (hold_id, order_id) in taken.items():
        assert (await give_back(platform, hold_id, order_id)).json() == {"released": True}
        assert (await give_back(platform, hold_id, order_id)).json() == {"released": False}
        assert await inventory.available(shop.listing(kind)) == free[kind], kind
        again = await take(platform, hold_id, buyer, order_id)
        assert again.status_code == 409 and _slug(again) == "hold-ended", kind
        read = await api.get(f"{SALES}/holds/{hold_id}", headers=buyer.auth)
        assert read.json()["state"] == "released", kind
        assert (await hold(api, rival, shop.bodies[kind])).status_code == 201, kind
    released = await outbox(platform, "HoldReleased")
    assert sorted(event["hold_id"] for event in released) == sorted(h for h, _ in taken.values())
    assert {event["reason"] for event in released} == {"order"}


async def test_only_its_order_ends_a_taken_hold(api: httpx.AsyncClient, platform: Platform) -> None:
    share_clock(platform, OPEN)
    listing_id = await new_deal(api, platform, stock=3)
    buyer, other = await buyers(api, 2)
    hold_id = (await hold(api, buyer, {"listing_id": listing_id})).json()["hold_id"]
    order_id = str(uuid.uuid4())
    stolen = await take(platform, hold_id, other, order_id)
    assert stolen.status_code == 404 and _slug(stolen) == "no-hold"
    assert (await recorded(platform, hold_id)).order_id is None
    first = await take(platform, hold_id, buyer, order_id)
    assert first.status_code == 200, first.text
    again = await take(platform, hold_id, buyer, order_id)
    assert again.status_code == 200 and again.json() == first.json()
    second_order = await take(platform, hold_id, buyer)
    assert second_order.status_code == 409 and _slug(second_order) == "hold-taken"

    dropped = await api.delete(f"{SALES}/holds/{hold_id}", headers=buyer.auth)
    assert dropped.status_code == 409 and _slug(dropped) == "hold-ordered"
    wrong = await give_back(platform, hold_id, str(uuid.uuid4()))
    assert wrong.status_code == 409 and _slug(wrong) == "hold-taken"
    for unknown in (
        await take(platform, str(uuid.uuid4()), buyer, order_id),
        await give_back(platform, str(uuid.uuid4()), order_id),
    ):
        assert unknown.status_code == 404 and _slug(unknown) == "no-hold"

    found = await recorded(platform, hold_id)
    assert (found.state, found.order_id) == ("live", order_id)
    assert await in_inventory(platform, listing_id, hold_id) == ORDERED_EXPIRY_MS
    assert await sales(platform).inventory.available(listing_id) == 2
    assert await outbox(platform, "HoldReleased") == []


async def test_an_ended_hold_cannot_be_taken_and_an_untaken_one_is_not_given_back(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    clock = share_clock(platform, OPEN)
    listing_id = await new_deal(api, platform, stock=3, per_user_limit=3)
    (buyer,) = await buyers(api, 1)
    body = {"listing_id": listing_id}
    expired = (await hold(api, buyer, body)).json()["hold_id"]
    clock.advance(seconds=platform.settings.hold_ttl_s + 1)
    await upkeep.sweep(sales(platform))
    released = (await hold(api, buyer, body)).json()["hold_id"]
    assert (await api.delete(f"{SALES}/holds/{released}", headers=buyer.auth)).status_code == 204
    for hold_id in (expired, released):
        refused = await take(platform, hold_id, buyer)
        assert refused.status_code == 409 and _slug(refused) == "hold-ended"
        assert (await recorded(platform, hold_id)).order_id is None

    untaken = (await hold(api, buyer, body)).json()["hold_id"]
    answer = await give_back(platform, untaken, str(uuid.uuid4()))
    assert answer.status_code == 200 and answer.json() == {"released": False}
    assert (await recorded(platform, untaken)).state == "live"
    assert await in_inventory(platform, listing_id, untaken) not in (None, ORDERED_EXPIRY_MS)
    assert await sales(platform).inventory.available(listing_id) == 2


async def test_goods_given_back_by_a_process_that_died_before_freeing_them_are_freed(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform, OPEN)
    listing_id = await new_deal(api, platform, stock=2, per_user_limit=2)
    (buyer,) = await buyers(api, 1)
    live = sales(platform)
    for heal in ("ghost hunt", "repeated give-back"):
        hold_id = (await hold(api, buyer, {"listing_id": listing_id})).json()["hold_id"]
        order_id = str(uuid.uuid4())
        assert (await take(platform, hold_id, buyer, order_id)).status_code == 200
        found = await recorded(platform, hold_id)
        assert await live.ledger.end([found.hold], "released", order_id)  # then the crash
        assert await live.inventory.available(listing_id) == 1
        if heal == "ghost hunt":
            await upkeep.reclaim_ghosts(live)
        else:
            assert (await give_back(platform, hold_id, order_id)).json() == {"released": False}
        assert await in_inventory(platform, listing_id, hold_id) is None, heal
        assert await live.inventory.available(listing_id) == 2, heal


async def test_internal_routes_answer_signed_contexts_only_with_strict_bodies(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    hold_id, order_id, user_id = (str(uuid.uuid4()) for _ in range(3))
    take_path, give_path = f"{HOLDS}/{hold_id}/take", f"{HOLDS}/{hold_id}/give-back"
    bodies = {
        take_path: {"order_id": order_id, "user_id": user_id},
        give_path: {"order_id": user_id},
    }
    secret = platform.settings.secret_key
    for path, body in bodies.items():
        assert (await internal(platform, path, body, headers={})).status_code == 401
        wrong_secret = {HEADER: service_token("another-secret-of-some-length", "ordering")}
        assert (await internal(platform, path, body, headers=wrong_secret)).status_code == 403
        forged = {HEADER: service_token(secret, "ordering")[:-1] + "0"}
        assert (await internal(platform, path, body, headers=forged)).status_code == 403
        extra = await internal(platform, path, {**body, "state": "live"})
        assert extra.status_code == 422 and extra.headers["content-type"].startswith(PROBLEM)
        not_an_id = await internal(platform, path, {**body, "order_id": "order-1"})
        assert not_an_id.status_code == 422
        assert (await internal(platform, path, body)).status_code == 404  # signed: no such hold
        unsigned_on_the_public_port = await api.post(path, json=body)
        assert unsigned_on_the_public_port.status_code == 401
    openapi = (await api.get("/api/openapi.json")).text
    assert "/internal/sales" not in openapi
