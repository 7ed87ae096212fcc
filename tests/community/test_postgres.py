"""Community on PostgreSQL: its migration (with the two boards), exact counts under concurrent
likes, one review per order under concurrent posts, and the database's own refusals."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp

from stampede.community.store.tables import likes, posts, reviews
from stampede.compose import Platform
from stampede.kernel.settings import Settings
from stampede.kernel.sqltypes import new_id
from tests.community.conftest import client, started
from tests.community.support import API, completed, get, members, outbox, publish, write

pytestmark = pytest.mark.postgres
RACERS = 16


@pytest.fixture
async def system(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> AsyncIterator[tuple[ASGIApp, Platform]]:
    """Identity on SQLite, community on a fresh PostgreSQL database, for each test."""
    monkeypatch.setenv("COMMUNITY_DATABASE_URL", postgres_url)
    async for running in started(Settings.for_tests(tmp_path)):
        yield running


@pytest.fixture
def platform(system: tuple[ASGIApp, Platform]) -> Platform:
    return system[1]


@pytest.fixture
async def api(system: tuple[ASGIApp, Platform]) -> AsyncIterator[httpx.AsyncClient]:
    async for running in client(system[0]):
        yield running


async def test_concurrent_likes_count_exactly_and_once_per_member(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    assert not platform.runtimes["community"].db.is_sqlite
    assert [b["slug"] for b in await get(api, "/boards")] == ["free", "prices"]
    fans = await members(platform, *[f"팬{n}" for n in range(RACERS)])
    post = await write(api, fans[0], body="동시에 좋아요")
    path = f"{API}/posts/{post['id']}/like"
    clicks = [api.post(path, headers=fan.auth) for fan in fans for _ in range(2)]
    replies = await asyncio.gather(*clicks)
    assert {r.status_code for r in replies} == {200}
    assert (await get(api, f"/posts/{post['id']}"))["likes"] == RACERS
    unlikes = await asyncio.gather(*[api.delete(path, headers=f.auth) for f in fans[: RACERS // 2]])
    assert {r.status_code for r in unlikes} == {200}
    assert (await get(api, f"/posts/{post['id']}"))["likes"] == RACERS - RACERS // 2
    assert len((await get(api, "/boards/free/posts", q="좋아요"))["items"]) == 1


async def test_concurrent_reviews_of_one_order_give_one_review(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    [buyer] = await members(platform, "김민지")
    listing, order_id = new_id(), new_id()
    await publish(platform, [completed(buyer.id, listing, order_id)])
    body = {"listing_id": listing, "order_id": order_id, "stars": 5, "body": "최고"}
    tries = [api.post(f"{API}/reviews", json=body, headers=buyer.auth) for _ in range(8)]
    codes = Counter(r.status_code for r in await asyncio.gather(*tries))
    assert codes == Counter({201: 1, 409: 7})
    assert len(await outbox(platform, "ReviewPosted")) == 1


async def test_the_database_refuses_what_the_rules_forbid(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    [author] = await members(platform, "김민지")
    post = await write(api, author)
    listing = new_id()
    await publish(platform, [completed(author.id, listing)])
    made = (
        await api.post(
            f"{API}/reviews", json={"listing_id": listing, "stars": 3}, headers=author.auth
        )
    ).json()
    now = datetime.now(UTC)
    breaches = [
        likes.insert().values(post_id=post["id"], user_id=author.id, created_at=now),
        likes.insert().values(post_id=post["id"], user_id=author.id, created_at=now),
        posts.update().where(posts.c.id == post["id"]).values(likes=-1),
        posts.update().where(posts.c.id == post["id"]).values(state="gone"),
        reviews.update().where(reviews.c.id == made["id"]).values(stars=6),
        reviews.update().where(reviews.c.id == made["id"]).values(stars=0),
    ]
    refused = 0
    for statement in breaches:
        async with platform.runtimes["community"].db.sessions() as session:
            try:
                await session.execute(statement)
                await session.commit()
            except IntegrityError:
                refused += 1
    assert refused == len(breaches) - 1  # all but the first like
    async with platform.runtimes["community"].db.sessions() as session:
        stars = await session.scalar(sa.select(reviews.c.stars).where(reviews.c.id == made["id"]))
    assert stars == 3
