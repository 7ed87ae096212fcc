"""Likes, the wish list and keyword subscriptions, through the public API and the handlers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from stampede.catalog.handlers import engagement
from stampede.catalog.store import CatalogUoW
from stampede.compose import Platform
from stampede.kernel.errors import Conflict, NotFound, Unprocessable
from tests.catalog.engagement_support import (
    OPENS,
    Clock,
    change,
    events,
    insert_deal,
    serving,
    started,
)
from tests.catalog.support import catalog
from tests.identity.support import PROBLEM, User, new_user

API = "/api/catalog"


class Ticking(Clock):
    """A clock that moves one second each time it is read, so likes have distinct times."""

    def __call__(self) -> datetime:
        self.at += timedelta(seconds=1)
        return self.at


@pytest.fixture
async def system(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Platform]]:
    async with serving(tmp_path, Ticking(OPENS - timedelta(days=3))) as started_system:
        yield started_system


@pytest.fixture
def api(system: tuple[httpx.AsyncClient, Platform]) -> httpx.AsyncClient:
    return system[0]


@pytest.fixture
def platform(system: tuple[httpx.AsyncClient, Platform]) -> Platform:
    return system[1]


@pytest.fixture
async def user(api: httpx.AsyncClient) -> User:
    return await new_user(api)


async def deal(platform: Platform, **fields: object) -> str:
    return await insert_deal(catalog(platform), **fields)


async def like(api: httpx.AsyncClient, user: User, listing_id: str) -> httpx.Response:
    return await api.post(f"{API}/listings/{listing_id}/like", headers=user.auth)


async def unlike(api: httpx.AsyncClient, user: User, listing_id: str) -> httpx.Response:
    return await api.delete(f"{API}/listings/{listing_id}/like", headers=user.auth)


# --- likes ------------------------------------------------------------------------------------


async def test_liking_twice_is_one_like_and_one_event(
    api: httpx.AsyncClient, platform: Platform, user: User
) -> None:
    listing_id = await deal(platform)
    for _ in range(2):
        reply = await like(api, user, listing_id)
        assert reply.status_code == 200 and reply.json() == {"liked": True, "likes": 1}
    other = await new_user(api)
    assert (await like(api, other, listing_id)).json() == {"liked": True, "likes": 2}
    added = await events(catalog(platform), "LikeAdded")
    assert [data for _, data in added] == [
        {"listing_id": listing_id, "user_id": user.id},
        {"listing_id": listing_id, "user_id": other.id},
    ]


async def test_unliking_is_idempotent_and_announced_once(
    api: httpx.AsyncClient, platform: Platform, user: User
) -> None:
    listing_id = await deal(platform)
    assert (await unlike(api, user, listing_id)).status_code == 204  # never liked
    await like(api, user, listing_id)
    for _ in range(2):
        assert (await unlike(api, user, listing_id)).status_code == 204
    removed = await events(catalog(platform), "LikeRemoved")
    assert [data for _, data in removed] == [{"listing_id": listing_id, "user_id": user.id}]
    assert (await like(api, user, listing_id)).json()["likes"] == 1


@pytest.mark.parametrize(
    ("status", "code"), [("draft", 404), ("unpublished", 404), ("deleted", 404), ("closed", 200)]
)
async def test_only_listings_buyers_can_see_can_be_liked(
    api: httpx.AsyncClient, platform: Platform, user: User, status: str, code: int
) -> None:
    reply = await like(api, user, await deal(platform, status=status))
    assert reply.status_code == code
    if code == 404:
        assert reply.headers["content-type"] == PROBLEM
        assert reply.json()["type"].endswith("/listing-not-found")
        assert await events(catalog(platform), "LikeAdded") == []


async def test_unknown_and_malformed_listing_ids(api: httpx.AsyncClient, user: User) -> None:
    assert (await like(api, user, str(uuid.uuid4()))).status_code == 404
    reply = await like(api, user, "not-a-uuid")
    assert reply.status_code == 422 and reply.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", f"/listings/{uuid.uuid4()}/like"),
        ("DELETE", f"/listings/{uuid.uuid4()}/like"),
        ("GET", "/wishlist"),
        ("GET", "/keywords"),
        ("POST", "/keywords"),
        ("DELETE", f"/keywords/{uuid.uuid4()}"),
    ],
)
async def test_every_route_needs_a_login(api: httpx.AsyncClient, method: str, path: str) -> None:
    reply = await api.request(method, API + path, json={"keyword": "갤럭시"})
    assert reply.status_code == 401 and reply.headers["content-type"] == PROBLEM


# --- wish list --------------------------------------------------------------------------------


async def wishlist(api: httpx.AsyncClient, user: User, **params: str | int) -> httpx.Response:
    return await api.get(f"{API}/wishlist", headers=user.auth, params=params)


async def test_the_wish_list_shows_liked_listings_newest_like_first(
    api: httpx.AsyncClient, platform: Platform, user: User
) -> None:
    first, second = await deal(platform, title="첫 번째 딜"), await deal(platform, status="closed")
    hidden = await deal(platform)
    for listing_id in (first, second, hidden):
        await like(api, user, listing_id)
    await like(api, await new_user(api), first)
    await change(catalog(platform), hidden, status="deleted")  # deleted after being liked
    body = (await wishlist(api, user)).json()
    assert [item["listing_id"] for item in body["items"]] == [second, first]
    assert body["next_cursor"] is None
    item = body["items"][1]
    assert item["title"] == "첫 번째 딜" and item["kind"] == "deal"
    assert (item["price"], item["deal_price"], item["status"]) == (100_000, 59_000, "scheduled")
    assert item["opens_at"] == "2030-05-02T01:00:00Z" and item["liked_at"]


async def test_the_wish_list_pages_with_a_cursor(
    api: httpx.AsyncClient, platform: Platform, user: User
) -> None:
    liked = [await deal(platform) for _ in range(5)]
    for listing_id in liked:
        await like(api, user, listing_id)
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = (await wishlist(api, user, **params)).json()
        seen += [item["listing_id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == liked[::-1]


@pytest.mark.parametrize(
    "params", [{"limit": 101}, {"limit": 0}, {"cursor": "nonsense"}, {"cursor": "WzEsMl0"}]
)
async def test_bad_wish_list_pages_are_422(
    api: httpx.AsyncClient, user: User, params: dict[str, str | int]
) -> None:
    reply = await wishlist(api, user, **params)
    assert reply.status_code == 422 and reply.headers["content-type"] == PROBLEM


async def test_a_wish_list_is_the_callers_own(
    api: httpx.AsyncClient, platform: Platform, user: User
) -> None:
    await like(api, user, await deal(platform))
    other = await new_user(api)
    assert (await wishlist(api, other)).json() == {"items": [], "next_cursor": None}


# --- keywords ---------------------------------------------------------------------------------


async def subscribe(api: httpx.AsyncClient, user: User, keyword: str) -> httpx.Response:
    return await api.post(f"{API}/keywords", headers=user.auth, json={"keyword": keyword})


async def test_keywords_are_normalised_and_subscribed_once(
    api: httpx.AsyncClient, platform: Platform, user: User
) -> None:
    reply = await subscribe(api, user, "  Galaxy   S24 ")
    assert reply.status_code == 201
    body = reply.json()
    assert body["keyword"] == "galaxy s24"
    again = await subscribe(api, user, "GALAXY s24")
    assert again.status_code == 201 and again.json() == body
    await subscribe(api, user, "갤럭시")
    listed = (await api.get(f"{API}/keywords", headers=user.auth)).json()
    assert [k["keyword"] for k in listed["items"]] == ["galaxy s24", "갤럭시"]
    subscribed = await events(catalog(platform), "KeywordSubscribed")
    assert [data["keyword"] for _, data in subscribed] == ["galaxy s24", "갤럭시"]
    assert subscribed[0][1] == {
        "subscription_id": body["id"],
        "user_id": user.id,
        "keyword": "galaxy s24",
    }


@pytest.mark.parametrize(
    "body",
    [
        {"keyword": "a"},
        {"keyword": " " * 5},
        {"keyword": "x" * 31},
        {"keyword": "폰", "extra": 1},
        {},
        {"keyword": 12},
    ],
)
async def test_bad_keywords_are_422(
    api: httpx.AsyncClient, user: User, body: dict[str, object]
) -> None:
    reply = await api.post(f"{API}/keywords", headers=user.auth, json=body)
    assert reply.status_code == 422 and reply.headers["content-type"] == PROBLEM


async def test_a_user_follows_at_most_twenty_keywords(api: httpx.AsyncClient, user: User) -> None:
    for n in range(20):
        assert (await subscribe(api, user, f"keyword {n}")).status_code == 201
    assert (await subscribe(api, user, "keyword 3")).status_code == 201  # held already
    reply = await subscribe(api, user, "one more")
    assert reply.status_code == 409 and reply.json()["type"].endswith("/too-many-keywords")


async def test_unsubscribing_removes_only_the_callers_own(
    api: httpx.AsyncClient, platform: Platform, user: User
) -> None:
    mine = (await subscribe(api, user, "아이폰")).json()["id"]
    other = await new_user(api)
    theirs = (await subscribe(api, other, "아이폰")).json()["id"]
    reply = await api.delete(f"{API}/keywords/{theirs}", headers=user.auth)
    assert reply.status_code == 404 and reply.json()["type"].endswith("/keyword-not-found")
    assert (await api.delete(f"{API}/keywords/{mine}", headers=user.auth)).status_code == 204
    assert (await api.delete(f"{API}/keywords/{mine}", headers=user.auth)).status_code == 404
    assert (await api.get(f"{API}/keywords", headers=user.auth)).json() == {"items": []}
    assert len((await api.get(f"{API}/keywords", headers=other.auth)).json()["items"]) == 1
    removed = await events(catalog(platform), "KeywordUnsubscribed")
    assert [data for _, data in removed] == [{"subscription_id": mine, "user_id": user.id}]


# --- the handlers against SQLite and PostgreSQL ------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
async def runtime_platform(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Platform]:
    if request.param == "postgres":
        monkeypatch.setenv("CATALOG_DATABASE_URL", request.getfixturevalue("postgres_url"))
    platform = await started(tmp_path, Clock(OPENS - timedelta(days=3)))
    yield platform
    await platform.stop()


async def test_concurrent_likes_and_subscriptions_land_once(runtime_platform: Platform) -> None:
    runtime = catalog(runtime_platform)
    listing_id, user_id = await insert_deal(runtime), str(uuid.uuid4())
    likes = [engagement.like(CatalogUoW(runtime), user_id, listing_id) for _ in range(5)]
    assert await asyncio.gather(*likes) == [1] * 5
    subs = [engagement.subscribe_keyword(CatalogUoW(runtime), user_id, "타임딜") for _ in range(5)]
    assert len({row.id for row in await asyncio.gather(*subs)}) == 1
    assert len(await events(runtime, "LikeAdded")) == 1
    assert len(await events(runtime, "KeywordSubscribed")) == 1


async def test_concurrent_subscriptions_never_pass_twenty_keywords(
    runtime_platform: Platform,
) -> None:
    """19 held, then 6 new keywords at once: one gets the last place, the others 409, and the
    database holds 20 (a slot per keyword, unique per user, 0–19, is the guard)."""
    runtime, user_id = catalog(runtime_platform), str(uuid.uuid4())
    for n in range(19):
        await engagement.subscribe_keyword(CatalogUoW(runtime), user_id, f"word {n}")
    racing = [
        engagement.subscribe_keyword(CatalogUoW(runtime), user_id, f"late {n}") for n in range(6)
    ]
    outcomes = await asyncio.gather(*racing, return_exceptions=True)
    assert sum(not isinstance(o, BaseException) for o in outcomes) == 1, outcomes
    assert all(isinstance(o, Conflict) for o in outcomes if isinstance(o, BaseException))
    async with CatalogUoW(runtime) as uow:
        assert await uow.engagement.keyword_count(user_id) == 20


async def test_handler_errors(runtime_platform: Platform) -> None:
    runtime = catalog(runtime_platform)
    user_id = str(uuid.uuid4())
    with pytest.raises(NotFound):
        await engagement.like(CatalogUoW(runtime), user_id, str(uuid.uuid4()))
    with pytest.raises(Unprocessable):
        await engagement.subscribe_keyword(CatalogUoW(runtime), user_id, " x ")
    with pytest.raises(NotFound):
        await engagement.unsubscribe_keyword(CatalogUoW(runtime), user_id, str(uuid.uuid4()))
    for n in range(20):
        await engagement.subscribe_keyword(CatalogUoW(runtime), user_id, f"word {n}")
    with pytest.raises(Conflict):
        await engagement.subscribe_keyword(CatalogUoW(runtime), user_id, "word 20")


async def test_a_like_racing_an_uncommitted_one_is_absorbed(runtime_platform: Platform) -> None:
    runtime = catalog(runtime_platform)
    listing_id, user_id = await insert_deal(runtime), str(uuid.uuid4())

    async def like_in_another_transaction() -> bool:
        async with CatalogUoW(runtime) as uow:
            added = await uow.engagement.add_like(user_id, listing_id, runtime.now())
            await uow.commit()
        return added

    async with CatalogUoW(runtime) as first:
        assert await first.engagement.add_like(user_id, listing_id, runtime.now())
        second = asyncio.create_task(like_in_another_transaction())
        await asyncio.sleep(0.2)  # the second waits on the first's row (or its transaction)
        await first.commit()
    assert await second is False
    async with CatalogUoW(runtime) as uow:
        assert await uow.engagement.like_count(listing_id) == 1
