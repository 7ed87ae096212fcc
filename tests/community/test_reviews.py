"""Reviews and star ratings: only the buyer of a completed order, once per order; own edits
only; every change announced with the next ``seq``; the listing's average and count."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from stampede.compose import Platform
from stampede.kernel.sqltypes import new_id
from tests.community.support import API, admin, completed, get, members, outbox, publish

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def review(
    api: httpx.AsyncClient, who: Any, listing: str, stars: int, body: str = "", **extra: Any
) -> httpx.Response:
    payload = {"listing_id": listing, "stars": stars, "body": body} | extra
    return await api.post(f"{API}/reviews", json=payload, headers=who.auth)


async def test_only_the_buyer_of_a_completed_order_reviews_once_per_order(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    listing = new_id()
    buyer, stranger = await members(platform, "김민지", "박지훈")
    no_order = await review(api, buyer, listing, 5, "좋아요")
    assert no_order.status_code == 403 and no_order.json()["type"].endswith("/no-completed-order")
    order_id = new_id()
    await publish(platform, [completed(buyer.id, listing, order_id, status="CONFIRMED")])
    assert (await review(api, buyer, listing, 5)).status_code == 403  # not completed yet
    await publish(platform, [completed(buyer.id, listing, order_id)] * 2)
    assert (await review(api, stranger, listing, 1, order_id=order_id)).status_code == 403
    assert [o["order_id"] for o in await get(api, "/reviewable", buyer)] == [order_id]
    first = await review(api, buyer, listing, 4, "차가 깨끗했어요")
    assert first.status_code == 201 and first.json()["order_id"] == order_id
    again = await review(api, buyer, listing, 5, "또 씁니다", order_id=order_id)
    assert again.status_code == 409 and again.json()["type"].endswith("/already-reviewed")
    assert await get(api, "/reviewable", buyer) == []
    [posted] = await outbox(platform, "ReviewPosted", order_id=order_id)
    assert (posted["seq"], posted["stars"], posted["order_id"]) == (1, 4, order_id)
    assert (posted["listing_id"], posted["user_id"]) == (listing, buyer.id)


async def test_authors_change_and_delete_their_own_review_each_change_announced(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    listing = new_id()
    buyer, other = await members(platform, "김민지", "박지훈")
    await publish(platform, [completed(buyer.id, listing)])
    made = (await review(api, buyer, listing, 2, "별로")).json()
    path = f"{API}/reviews/{made['id']}"
    assert (await api.patch(path, json={"stars": 1}, headers=other.auth)).status_code == 403
    assert (await api.delete(path, headers=other.auth)).status_code == 403
    assert (await get(api, f"/reviews/{made['id']}"))["stars"] == 2
    assert (await get(api, f"/reviews/{made['id']}"))["order_id"] is None  # not the author
    assert (await api.patch(path, json={"stars": 5}, headers=buyer.auth)).json()["stars"] == 5
    await api.patch(path, json={"stars": 5}, headers=buyer.auth)  # no change: no event
    await api.patch(path, json={"body": "다시 보니 좋아요"}, headers=buyer.auth)
    assert (await api.delete(path, headers=buyer.auth)).status_code == 204
    assert (await api.get(path)).status_code == 404
    updates = await outbox(platform, "ReviewUpdated", review_id=made["id"])
    assert [(u["seq"], u["stars"]) for u in updates] == [(2, 5), (3, 5)]
    [deleted] = await outbox(platform, "ReviewDeleted", review_id=made["id"])
    assert deleted["seq"] == 4 and deleted["review_id"] == made["id"]
    assert (await review(api, buyer, listing, 3)).status_code == 409  # the order had its review


async def test_a_listing_shows_its_reviews_newest_first_with_average_and_count(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    listing = new_id()
    buyers = await members(platform, "김민지", "박지훈", "최서연")
    await publish(platform, [completed(b.id, listing) for b in buyers])
    for buyer, stars in zip(buyers, (5, 4, 2), strict=True):
        await review(api, buyer, listing, stars, f"{stars}점")
    page = await get(api, "/reviews", listing_id=listing, limit=2)
    assert (page["average"], page["count"]) == (3.67, 3)
    assert [r["body"] for r in page["items"]] == ["2점", "4점"]
    rest = await get(api, "/reviews", listing_id=listing, cursor=page["next_cursor"])
    assert [r["author"]["name"] for r in rest["items"]] == ["김민지"]
    empty = await get(api, "/reviews", listing_id=new_id())
    assert (empty["average"], empty["count"], empty["items"]) == (None, 0, [])
    assert (await api.get(f"{API}/reviews")).status_code == 422


async def test_admins_hide_and_restore_a_review_which_then_counts_again(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    listing = new_id()
    [buyer], boss = await members(platform, "김민지"), await admin(platform)
    await publish(platform, [completed(buyer.id, listing)])
    made = (await review(api, buyer, listing, 1, "욕설")).json()
    path = f"{API}/reviews/{made['id']}"
    assert (await api.post(f"{path}/hide", headers=buyer.auth)).status_code == 403
    assert (await api.post(f"{path}/hide", headers=boss.auth)).json()["state"] == "hidden"
    await api.post(f"{path}/hide", headers=boss.auth)  # again: no change
    assert (await get(api, "/reviews", listing_id=listing))["count"] == 0
    assert (await api.get(path, headers=buyer.auth)).status_code == 404
    assert (await api.patch(path, json={"stars": 5}, headers=buyer.auth)).status_code == 404
    await api.post(f"{path}/restore", headers=boss.auth)
    assert (await get(api, "/reviews", listing_id=listing))["count"] == 1
    [hidden] = await outbox(platform, "ReviewDeleted", review_id=made["id"])
    [restored] = await outbox(platform, "ReviewUpdated", review_id=made["id"])
    assert (hidden["seq"], restored["seq"], restored["stars"]) == (2, 3, 1)


async def test_stars_are_one_to_five_and_the_listing_named_once(
    api: httpx.AsyncClient, platform: Platform
) -> None:

    [buyer], listing = await members(platform, "김민지"), new_id()
    await publish(platform, [completed(buyer.id, listing)])
    for stars in (0, 6):
        assert (await review(api, buyer, listing, stars)).status_code == 422
    query = await api.post(
        f"{API}/reviews", params={"listing_id": listing}, json={"stars": 3}, headers=buyer.auth
    )
    assert query.status_code == 201
    two = await api.post(
        f"{API}/reviews", params={"listing_id": new_id()}, json={"listing_id": listing, "stars": 3},
        headers=buyer.auth,
    )  # fmt: skip
    assert two.json()["type"].endswith("/listing-required")
