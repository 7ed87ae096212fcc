"""Browsing: today's and this week's lists, filters, cursor pages, ETags and categories."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx

from stampede.catalog import handlers
from stampede.catalog.handlers.content import validated
from stampede.catalog.store import CatalogUoW, set_status
from stampede.compose import Platform
from stampede.kernel.auth import Principal
from stampede.kernel.sqltypes import new_id
from tests.catalog.support import CATALOG, NOW, car, catalog, deal, freeze, kst, performance

ADMIN = Principal(user_id=new_id(), roles=frozenset({"admin"}))


async def add(platform: Platform, body: dict[str, Any], publish: bool = True) -> str:
    uow = CatalogUoW(catalog(platform))
    return await handlers.create_listing(uow, ADMIN, validated(body), publish=publish)


async def ids(api: httpx.AsyncClient, **params: Any) -> list[str]:
    reply = await api.get(f"{CATALOG}/listings", params=params)
    assert reply.status_code == 200, reply.text
    return [item["id"] for item in reply.json()["items"]]


async def close(platform: Platform, listing_id: str) -> None:
    async with CatalogUoW(catalog(platform)) as uow:
        listing = await uow.listings.get(listing_id)
        assert listing is not None
        set_status(listing, "closed", NOW)
        await uow.commit()


async def test_today_and_this_week_follow_the_seoul_calendar(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    freeze(platform)  # Monday 10 March, 09:00 in Seoul
    running = await add(platform, deal(kst(9, 22), hours=14))  # since last night, until noon
    tonight = await add(platform, deal(kst(10, 20)))
    tomorrow = await add(platform, deal(kst(11, 10)))
    sunday = await add(platform, performance(kst(16, 23, 30)))
    next_week = await add(platform, deal(kst(17, 0)))
    freeze(platform, NOW + timedelta(minutes=1))
    rental = await add(platform, car())
    assert await ids(api, window="today") == [running, tonight]
    assert await ids(api, window="week") == [running, tonight, tomorrow, sunday]
    assert await ids(api, kind="deal") == [running, tonight, tomorrow, next_week]
    assert set(await ids(api)) == {running, tonight, tomorrow, sunday, next_week, rental}
    assert (await ids(api))[0] == rental  # newest first


async def test_filters_combine_and_hide_drafts_and_closed_sales(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    freeze(platform)
    food = await add(platform, deal())
    fashion = await add(platform, deal(category="fashion"))
    await add(platform, deal(category="fashion"), publish=False)
    ended = await add(platform, deal(category="fashion"))
    await close(platform, ended)
    musical = await add(platform, performance())
    assert await ids(api, category="fashion") == [fashion]
    assert await ids(api, category="fashion", status="closed") == [ended]
    assert await ids(api, kind="performance", category="musical") == [musical]
    assert await ids(api, kind="deal", category="musical") == []
    assert set(await ids(api, window="week", category="food")) == {food}
    reply = await api.get(f"{CATALOG}/listings", params={"status": "draft"})
    assert reply.status_code == 422


async def test_cursor_pages_cover_the_list_once(api: httpx.AsyncClient, platform: Platform) -> None:
    freeze(platform)
    made = [await add(platform, car(car_number=f"1{n}가 100{n}")) for n in range(7)]
    for n in range(5):
        await add(platform, deal(kst(11, 10 + n % 2)))
    for params in ({"kind": "car"}, {"kind": "deal"}, {}):
        everything = await ids(api, limit=100, **params)
        seen: list[str] = []
        cursor: str | None = None
        while True:
            reply = await api.get(
                f"{CATALOG}/listings", params=params | {"limit": 3, "cursor": cursor or ""}
            )
            body = reply.json()
            assert len(body["items"]) <= 3
            seen += [item["id"] for item in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert seen == everything
    assert set(await ids(api, kind="car", limit=100)) == set(made)
    deals = await api.get(f"{CATALOG}/listings", params={"kind": "deal", "limit": 2})
    cursor = deals.json()["next_cursor"]
    reply = await api.get(f"{CATALOG}/listings", params={"kind": "car", "cursor": cursor})
    assert reply.status_code == 422 and reply.json()["type"].endswith("/invalid-cursor")


def opens(item: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(item["opens_at"])


async def test_windowed_lists_run_by_opening_time(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    freeze(platform)
    for day in (14, 11, 13, 12):
        await add(platform, deal(kst(day, 10)))
    items = (await api.get(f"{CATALOG}/listings", params={"kind": "deal"})).json()["items"]
    times = [opens(item) for item in items]
    assert times == sorted(times) and times[0] == kst(11, 10)


async def test_lists_carry_an_etag_that_follows_changes(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    freeze(platform)
    listing_id = await add(platform, deal())
    first = await api.get(f"{CATALOG}/listings", params={"window": "week"})
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and first.headers["cache-control"] == "public, max-age=5"
    same = await api.get(
        f"{CATALOG}/listings", params={"window": "week"}, headers={"if-none-match": etag}
    )
    assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == etag
    other_query = await api.get(f"{CATALOG}/listings", headers={"if-none-match": etag})
    assert other_query.status_code == 200
    await handlers.update_listing(
        CatalogUoW(catalog(platform)), ADMIN, listing_id, {"title": "새 이름"}
    )
    changed = await api.get(
        f"{CATALOG}/listings", params={"window": "week"}, headers={"if-none-match": etag}
    )
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert changed.json()["items"][0]["title"] == "새 이름"


async def test_a_listing_carries_an_etag_of_what_its_caller_sees(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    freeze(platform)
    listing_id = await add(platform, deal())
    path = f"{CATALOG}/listings/{listing_id}"
    first = await api.get(path)
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and first.headers["cache-control"] == "no-cache"
    assert first.headers["vary"] == "Authorization"
    same = await api.get(path, headers={"if-none-match": etag})
    assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == etag
    await handlers.update_listing(
        CatalogUoW(catalog(platform)), ADMIN, listing_id, {"title": "새 이름"}
    )
    changed = await api.get(path, headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert changed.json()["title"] == "새 이름"
    unknown = await api.get(f"{CATALOG}/listings/{uuid.uuid4()}", headers={"if-none-match": "*"})
    assert unknown.status_code == 404


async def test_the_etag_changes_when_today_becomes_tomorrow(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    freeze(platform)
    await add(platform, deal())
    today = (await api.get(f"{CATALOG}/listings", params={"window": "today"})).headers["etag"]
    freeze(platform, NOW + timedelta(days=1))
    reply = await api.get(
        f"{CATALOG}/listings", params={"window": "today"}, headers={"if-none-match": today}
    )
    assert reply.status_code == 200 and len(reply.json()["items"]) == 1


async def test_categories_count_visible_listings(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    freeze(platform)
    await add(platform, deal())
    await add(platform, deal())
    await add(platform, deal(), publish=False)
    await add(platform, car())
    reply = await api.get(f"{CATALOG}/categories")
    counts = {c["code"]: c for c in reply.json()}
    assert counts["food"] == {"code": "food", "ko": "식품", "en": "Food", "count": 2}
    assert counts["car"]["count"] == 1 and counts["concert"]["count"] == 0
    assert len(counts) == 12
