"""Star ratings on listings, built only from community's review events: posted, updated and
deleted reviews move a listing's average and count, duplicates and any order of arrival give
the same answer, and on PostgreSQL many reviews of one listing handled at once stay exact."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stampede.catalog
from stampede.catalog import handlers
from stampede.catalog.domain.ratings import rating
from stampede.catalog.handlers.content import validated
from stampede.catalog.store import CatalogUoW
from stampede.community.contracts import ReviewDeleted, ReviewPosted, ReviewUpdated
from stampede.compose import MODULES, Platform, build
from stampede.kernel.auth import Principal
from stampede.kernel.bus import MemoryBus
from stampede.kernel.consumers import queues_for
from stampede.kernel.db import Database
from stampede.kernel.messages import Envelope, Event
from stampede.kernel.migrate import _config, migrate
from stampede.kernel.settings import Settings
from stampede.kernel.sqltypes import new_id
from tests.catalog.support import CATALOG, car, catalog
from tests.mypage.support import publish

ADMIN = Principal(user_id=new_id(), roles=frozenset({"admin"}))
AT = datetime(2026, 3, 11, 1, 0, tzinfo=UTC)
Change = tuple[int, int | None]  # (seq, stars; None = deleted)


@dataclass(frozen=True)
class Review:
    listing_id: str
    review_id: str = ""
    user_id: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "review_id", self.review_id or new_id())
        object.__setattr__(self, "user_id", self.user_id or new_id())

    def _ids(self, seq: int) -> dict[str, Any]:
        return {"review_id": self.review_id, "listing_id": self.listing_id,
                "user_id": self.user_id, "seq": seq, "at": AT}  # fmt: skip

    def posted(self, stars: int) -> Event:
        return ReviewPosted(**self._ids(1), order_id=new_id(), stars=stars)

    def updated(self, seq: int, stars: int) -> Event:
        return ReviewUpdated(**self._ids(seq), stars=stars)

    def deleted(self, seq: int) -> Event:
        return ReviewDeleted(**self._ids(seq))

    def change(self, seq: int, stars: int | None) -> Event:
        if seq == 1:
            return self.posted(stars or 1)
        return self.deleted(seq) if stars is None else self.updated(seq, stars)


async def new_car(platform: Platform) -> str:
    """A published rental car (listed by an admin straight through the handler)."""
    return await handlers.create_listing(CatalogUoW(catalog(platform)), ADMIN, validated(car()))


def wrap(events: Sequence[Event]) -> list[Envelope]:
    return [Envelope.wrap(e, subject=getattr(e, "listing_id", "")) for e in events]


async def arrive(platform: Platform, *envelopes: Envelope) -> None:
    """Deliver one envelope at a time, in this order (each handled before the next)."""
    for envelope in envelopes:
        await publish(platform, [envelope])


async def shown(api: httpx.AsyncClient, listing_id: str) -> dict[str, Any]:
    """The listing's rating on its detail page, checked to be the same in the car list."""
    detail = await api.get(f"{CATALOG}/listings/{listing_id}")
    listed = await api.get(f"{CATALOG}/listings", params={"kind": "car", "limit": 100})
    [row] = [item for item in listed.json()["items"] if item["id"] == listing_id]
    assert row["rating"] == detail.json()["rating"]
    found: dict[str, Any] = detail.json()["rating"]
    return found


def expected(histories: dict[str, list[Change]]) -> dict[str, Any]:
    """What the listing shows once each review's last change is applied."""
    last = [changes[-1][1] for changes in histories.values()]
    counted = [stars for stars in last if stars is not None]
    figure = rating(sum(counted), len(counted))
    return {"average": figure.average, "count": figure.count}


def test_the_average_is_rounded_half_up_to_one_decimal() -> None:
    assert rating(17, 4).average == 4.3 and rating(9, 2).average == 4.5
    assert rating(13, 3).average == 4.3 and rating(5, 3).average == 1.7
    assert rating(0, 0).average is None and rating(0, 0).count == 0


async def test_posted_updated_and_deleted_reviews_move_the_rating(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    listing_id = await new_car(platform)
    assert await shown(api, listing_id) == {"average": None, "count": 0}
    before = await api.get(f"{CATALOG}/listings", params={"kind": "car"})
    first, second = Review(listing_id), Review(listing_id)
    await arrive(platform, *wrap([first.posted(5), second.posted(4)]))
    assert await shown(api, listing_id) == {"average": 4.5, "count": 2}
    after = await api.get(f"{CATALOG}/listings", params={"kind": "car"})
    assert after.headers["etag"] != before.headers["etag"]
    await arrive(platform, *wrap([second.updated(2, 2)]))
    assert await shown(api, listing_id) == {"average": 3.5, "count": 2}
    await arrive(platform, *wrap([first.deleted(2)]))
    assert await shown(api, listing_id) == {"average": 2.0, "count": 1}
    await arrive(platform, *wrap([second.deleted(3)]))
    assert await shown(api, listing_id) == {"average": None, "count": 0}
    await arrive(platform, *wrap([first.updated(3, 3)]))  # restored by an admin
    assert await shown(api, listing_id) == {"average": 3.0, "count": 1}


async def test_late_and_repeated_changes_change_nothing(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    listing_id = await new_car(platform)
    review, other = Review(listing_id), Review(listing_id)
    update, post = wrap([review.updated(2, 3), review.posted(5)])
    await arrive(platform, update, post)  # the edit overtook the post
    assert await shown(api, listing_id) == {"average": 3.0, "count": 1}
    deletion, late = wrap([other.deleted(3), other.updated(2, 1)])
    await arrive(platform, deletion, *wrap([other.posted(4)]), late)
    assert await shown(api, listing_id) == {"average": 3.0, "count": 1}
    again = wrap([review.posted(5), review.updated(2, 3)])  # the same changes, new messages
    await arrive(platform, update, post, *again)
    assert await shown(api, listing_id) == {"average": 3.0, "count": 1}
    assert isinstance(platform.bus, MemoryBus) and platform.bus.dead_letters == {}


async def test_a_review_of_an_unknown_listing_is_kept_without_failing(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    listing_id = await new_car(platform)
    stray = Review(new_id())
    await arrive(platform, *wrap([stray.posted(1), stray.updated(2, 2)]))
    assert isinstance(platform.bus, MemoryBus) and platform.bus.dead_letters == {}
    assert await shown(api, listing_id) == {"average": None, "count": 0}


stars = st.one_of(st.none(), st.integers(1, 5))
history = st.lists(stars, min_size=0, max_size=3).flatmap(
    lambda later: st.integers(1, 5).map(lambda first: [first, *later])
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), reviews=st.lists(history, min_size=1, max_size=3))
async def test_any_order_and_any_repeats_give_the_same_rating(
    api: httpx.AsyncClient, platform: Platform, data: st.DataObject, reviews: list[list[int | None]]
) -> None:
    listing_id = await new_car(platform)
    histories: dict[str, list[Change]] = {}
    events: list[Event] = []
    for changes in reviews:
        review = Review(listing_id)
        histories[review.review_id] = list(enumerate(changes, start=1))
        events += [review.change(seq, s) for seq, s in histories[review.review_id]]
    envelopes = wrap(events)
    repeats = data.draw(st.lists(st.sampled_from(envelopes), max_size=3))
    resent = wrap(data.draw(st.lists(st.sampled_from(events), max_size=2)))
    arrival = data.draw(st.permutations(envelopes + repeats + resent))
    await arrive(platform, *arrival)
    assert await shown(api, listing_id) == expected(histories)


REVIEWS = 60


@pytest.fixture
async def on_postgres(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> AsyncIterator[tuple[httpx.AsyncClient, Platform]]:
    monkeypatch.setenv("CATALOG_DATABASE_URL", postgres_url)
    app, started = build(Settings.for_tests(tmp_path))
    await started.start()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
        yield api, started
    await started.stop()


def busy_history(review: Review, rng: random.Random) -> tuple[list[Event], list[Change]]:
    """A review posted, often edited, sometimes deleted (and then sometimes restored)."""
    changes: list[Change] = [(1, rng.randint(1, 5))]
    for seq in range(2, rng.randint(1, 4) + 1):
        changes.append((seq, None if rng.random() < 0.3 else rng.randint(1, 5)))
    return [review.change(seq, s) for seq, s in changes], changes


async def test_many_reviews_of_one_listing_at_once_stay_exact_on_postgres(
    on_postgres: tuple[httpx.AsyncClient, Platform],
) -> None:
    api, started = on_postgres
    runtime = catalog(started)
    assert runtime.db.engine.dialect.name == "postgresql"
    listing_id = await new_car(started)
    rng, histories, events = random.Random(11), {}, []
    for _ in range(REVIEWS):
        review = Review(listing_id)
        made, histories[review.review_id] = busy_history(review, rng)
        events += made
    envelopes = wrap(events) + wrap(rng.sample(events, 20))
    rng.shuffle(envelopes)
    [module] = [m for m in MODULES if m.name == "catalog"]
    queues = {q.routing_keys[0]: q for q in queues_for(module, runtime)}
    await asyncio.gather(*(queues[e.routing_key].deliver(e) for e in envelopes))
    assert await shown(api, listing_id) == expected(histories)
    last = [changes[-1][1] for changes in histories.values()]
    async with CatalogUoW(runtime) as uow:
        listing = await uow.listings.get(listing_id)
        assert listing is not None
        assert listing.rating_sum == sum(s for s in last if s is not None)


@pytest.mark.parametrize("where", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_the_migration_goes_up_down_and_up_again(
    where: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/c.db" if where == "sqlite" else None
    db = Database(url or request.getfixturevalue("postgres_url"), "catalog")
    versions = Path(stampede.catalog.__file__).parent / "migrations"

    async def shape() -> tuple[set[str], bool]:
        async with db.engine.connect() as conn:
            found = await conn.run_sync(lambda sync: sa.inspect(sync).get_columns("listings"))
            reviews = await conn.run_sync(
                lambda sync: sa.inspect(sync).has_table("listing_reviews")
            )
        return {c["name"] for c in found} & {"rating_sum", "rating_count"}, reviews

    try:
        await migrate(db, versions)
        assert await shape() == ({"rating_sum", "rating_count"}, True)
        async with db.engine.connect() as conn:
            await conn.run_sync(
                lambda sync: command.downgrade(_config(sync, versions), "catalog_0003")
            )
            await conn.commit()
        assert await shape() == (set(), False)
        await migrate(db, versions)
        assert await shape() == ({"rating_sum", "rating_count"}, True)
    finally:
        await db.dispose()
