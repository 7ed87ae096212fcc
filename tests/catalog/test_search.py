"""Search in Korean and English on both databases: FTS5 trigram on SQLite, pg_trgm ILIKE on
PostgreSQL. The same questions must get the same answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from stampede.catalog import handlers
from stampede.catalog.contracts import keyword_matches
from stampede.catalog.handlers.content import validated
from stampede.catalog.store import CatalogUoW
from stampede.compose import Platform, build
from stampede.kernel.auth import Principal
from stampede.kernel.settings import Settings
from stampede.kernel.sqltypes import new_id
from tests.catalog.engagement_support import events
from tests.catalog.support import CATALOG, car, catalog, deal, freeze, performance

ADMIN = Principal(user_id=new_id(), roles=frozenset({"admin"}))


@pytest.fixture(params=["sqlite", "postgres"])
async def platform(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Platform]:
    if request.param == "postgres":
        monkeypatch.setenv("CATALOG_DATABASE_URL", request.getfixturevalue("postgres_url"))
    _, started = build(Settings.for_tests(tmp_path))
    await started.start()
    freeze(started)
    yield started
    await started.stop()


@pytest.fixture
async def api(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=platform.apps["catalog"])
    async with httpx.AsyncClient(transport=transport, base_url="http://catalog") as client:
        yield client


async def add(platform: Platform, body: dict[str, Any], publish: bool = True) -> str:
    uow = CatalogUoW(catalog(platform))
    return await handlers.create_listing(uow, ADMIN, validated(body), publish=publish)


async def found(api: httpx.AsyncClient, q: str, **params: str) -> set[str]:
    query: dict[str, str | int] = {"q": q, "limit": 100, **params}
    reply = await api.get(f"{CATALOG}/listings", params=query)
    assert reply.status_code == 200, reply.text
    return {item["id"] for item in reply.json()["items"]}


@pytest.fixture
async def shelf(platform: Platform) -> dict[str, str]:
    return {
        "samsung": await add(
            platform, deal(title="삼성 갤럭시 S24", category="digital", description="")
        ),
        "ultra": await add(
            platform, deal(title="Galaxy S24 Ultra", category="digital", description="")
        ),
        "tangerine": await add(platform, deal()),
        "musical": await add(platform, performance()),
        "car": await add(platform, car()),
        "percent": await add(platform, deal(title="100% 환불 보장_특가", description="")),
    }


async def test_korean_substrings_match(api: httpx.AsyncClient, shelf: dict[str, str]) -> None:
    assert await found(api, "갤럭시") == {shelf["samsung"]}
    assert await found(api, "럭시") == {shelf["samsung"]}  # two characters: the LIKE path
    assert await found(api, "감귤") == {shelf["tangerine"]}
    assert await found(api, "아반떼") == {shelf["car"]}


async def test_english_matches_in_any_case(api: httpx.AsyncClient, shelf: dict[str, str]) -> None:
    assert await found(api, "galaxy") == {shelf["ultra"]}
    assert await found(api, "GALAXY") == {shelf["ultra"]}
    assert await found(api, "s24") == {shelf["samsung"], shelf["ultra"]}
    assert await found(api, "S2") == {shelf["samsung"], shelf["ultra"]}
    assert await found(api, "jeju") == {shelf["tangerine"]}


async def test_every_term_must_occur(api: httpx.AsyncClient, shelf: dict[str, str]) -> None:
    assert await found(api, "galaxy ultra") == {shelf["ultra"]}
    assert await found(api, "갤럭시 s24") == {shelf["samsung"]}
    assert await found(api, "갤럭시 ultra") == set()


async def test_categories_and_kind_fields_are_searchable(
    api: httpx.AsyncClient, shelf: dict[str, str]
) -> None:
    assert await found(api, "뮤지컬") == {shelf["musical"]}
    assert await found(api, "블루스퀘어") == {shelf["musical"]}
    assert await found(api, "digital") == {shelf["samsung"], shelf["ultra"]}
    assert await found(api, "12가") == {shelf["car"]}
    assert await found(api, "s24", kind="performance") == set()


async def test_special_characters_match_themselves(
    api: httpx.AsyncClient, shelf: dict[str, str]
) -> None:
    assert await found(api, "100%") == {shelf["percent"]}
    assert await found(api, "%") == {shelf["percent"]}
    assert await found(api, "_특") == {shelf["percent"]}
    for q in ('"갤럭시', "s24*", "a OR b", "NEAR(x y)", "\\", "'; DROP TABLE listings; --"):
        await found(api, q)


async def test_the_index_follows_changes_and_hides_what_buyers_cannot_see(
    api: httpx.AsyncClient, platform: Platform, shelf: dict[str, str]
) -> None:
    draft = await add(platform, deal(title="숨은 갤럭시 탭"), publish=False)
    assert draft not in await found(api, "갤럭시")
    uow = CatalogUoW(catalog(platform))
    await handlers.update_listing(uow, ADMIN, shelf["samsung"], {"title": "삼성 노트북"})
    assert await found(api, "갤럭시") == set()
    assert await found(api, "노트북") == {shelf["samsung"]}
    await handlers.delete_listing(CatalogUoW(catalog(platform)), ADMIN, shelf["ultra"])
    assert await found(api, "galaxy") == set()


@pytest.mark.parametrize(
    "keyword",
    [
        "갤럭시",
        "럭시",
        "galaxy",
        "GALAXY",
        "s24",
        "galaxy ultra",
        "갤럭시 s24",
        "갤럭시 ultra",
        "감귤",
        "jeju",
        "환불 보장",
        "100%",
        "_특가",
        "없는말",
    ],
)
async def test_keyword_alerts_match_exactly_what_search_finds(
    api: httpx.AsyncClient, platform: Platform, shelf: dict[str, str], keyword: str
) -> None:
    """Notification matches a keyword against ListingPublished.search_text with
    ``keyword_matches``; it must agree with the catalog's own search on every listing."""
    published = await events(catalog(platform), "ListingPublished")
    assert len(published) == len(shelf)
    alerted = {d["listing_id"] for _, d in published if keyword_matches(d["search_text"], keyword)}
    assert alerted == await found(api, keyword)
