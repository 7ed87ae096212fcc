"""Listings through the public API: who may create and change them, states, errors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from stampede.catalog import handlers
from stampede.catalog.domain.listings import DealIn
from stampede.catalog.store import CatalogUoW
from stampede.compose import Platform
from stampede.kernel.auth import Principal
from stampede.kernel.errors import Forbidden
from tests.catalog.support import (
    CATALOG,
    NOW,
    PROBLEM,
    Business,
    car,
    catalog,
    create,
    deal,
    events,
    freeze,
    new_admin,
    new_business,
    new_user,
)

MISSING = "6f1c0e8e-8a4b-4c61-9d55-2f1f7d2a9b10"


@pytest.fixture
async def biz(api: httpx.AsyncClient, platform: Platform) -> Business:
    freeze(platform)
    return await new_business(api, platform)


async def detail(api: httpx.AsyncClient, listing_id: str, auth: Any = None) -> httpx.Response:
    return await api.get(f"{CATALOG}/listings/{listing_id}", headers=auth or {})


async def test_a_business_lists_a_deal_for_tomorrow(
    api: httpx.AsyncClient, platform: Platform, biz: Business
) -> None:
    created = await create(api, biz.auth, deal())
    assert created["status"] == "scheduled" and created["version"] == 1
    assert created["company"]["id"] == biz.company_id and created["company"]["name"] == "트워드"
    assert created["deal"] == {
        "list_price": 30000,
        "deal_price": 19900,
        "discount_percent": 34,
        "stock": 100,
        "per_user_limit": 2,
        "waiting_room": False,
    }
    [published] = await events(platform, "ListingPublished")
    assert published["listing_id"] == created["id"] and published["company_id"] == biz.company_id
    assert "감귤" in published["search_text"] and "jeju" in published["search_text"]
    [stock] = await events(platform, "StockSet")
    assert stock["stock"] == 100 and stock["per_user_limit"] == 2
    assert await events(platform, "SaleOpened") == []
    week = await api.get(f"{CATALOG}/listings", params={"window": "week"})
    today = await api.get(f"{CATALOG}/listings", params={"window": "today"})
    assert [i["id"] for i in week.json()["items"]] == [created["id"]]
    assert today.json()["items"] == []


async def test_a_deal_created_inside_its_window_opens_at_once(
    api: httpx.AsyncClient, platform: Platform, biz: Business
) -> None:
    created = await create(api, biz.auth, deal(NOW - timedelta(minutes=10)))
    assert created["status"] == "open"
    [opened] = await events(platform, "SaleOpened")
    assert opened["listing_id"] == created["id"]


async def test_a_window_that_has_closed_is_refused(api: httpx.AsyncClient, biz: Business) -> None:
    reply = await api.post(
        f"{CATALOG}/listings", headers=biz.auth, json=deal(NOW - timedelta(hours=2))
    )
    assert reply.status_code == 422 and reply.json()["errors"][0]["loc"] == ["body", "closes_at"]


async def test_a_draft_is_hidden_until_published(
    api: httpx.AsyncClient, platform: Platform, biz: Business
) -> None:
    created = await create(api, biz.auth, deal() | {"publish": False})
    assert created["status"] == "draft"
    assert (await detail(api, created["id"])).status_code == 404
    assert (await detail(api, created["id"], biz.auth)).json()["status"] == "draft"
    assert (await api.get(f"{CATALOG}/listings")).json()["items"] == []
    assert await events(platform, "ListingPublished") == []
    path = f"{CATALOG}/listings/{created['id']}/publish"
    assert (await api.post(path, headers=biz.auth)).json()["status"] == "scheduled"
    assert (await api.post(path, headers=biz.auth)).status_code == 200
    assert len(await events(platform, "ListingPublished")) == 1
    assert (await detail(api, created["id"])).status_code == 200


async def test_unpublishing_takes_a_scheduled_deal_back_but_not_an_open_one(
    api: httpx.AsyncClient, platform: Platform, biz: Business
) -> None:
    scheduled = await create(api, biz.auth, deal())
    opened = await create(api, biz.auth, deal(NOW - timedelta(minutes=1)))
    reply = await api.post(f"{CATALOG}/listings/{scheduled['id']}/unpublish", headers=biz.auth)
    assert reply.json()["status"] == "draft"
    [updated] = await events(platform, "ListingUpdated")
    assert updated["status"] == "draft"
    reply = await api.post(f"{CATALOG}/listings/{opened['id']}/unpublish", headers=biz.auth)
    assert reply.status_code == 409 and reply.json()["type"].endswith("/sale-started")


async def test_customers_and_guests_cannot_create_listings(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    freeze(platform)
    customer = await new_user(api)
    reply = await api.post(f"{CATALOG}/listings", headers=customer.auth, json=deal())
    assert reply.status_code == 403 and reply.headers["content-type"] == PROBLEM
    assert (await api.post(f"{CATALOG}/listings", json=deal())).status_code == 401
    assert (await api.get(f"{CATALOG}/mine", headers=customer.auth)).status_code == 403


async def test_a_business_without_an_approved_company_is_told_so(platform: Platform) -> None:
    freeze(platform)
    actor = Principal(user_id=MISSING, roles=frozenset({"customer", "business"}))
    item = DealIn.model_validate(deal())
    with pytest.raises(Forbidden, match="approve a company first"):
        await handlers.create_listing(CatalogUoW(catalog(platform)), actor, item)


async def test_cars_are_listed_by_admins_only(
    api: httpx.AsyncClient, platform: Platform, biz: Business
) -> None:
    reply = await api.post(f"{CATALOG}/listings", headers=biz.auth, json=car())
    assert reply.status_code == 403
    admin = await new_admin(api, platform)
    created = await create(api, admin.auth, car())
    assert created["company"] is None and created["status"] == "published"
    assert created["car"] == {
        "car_number": "12가 3456",
        "model": "현대 아반떼",
        "region": "서울",
        "daily_rate": 55000,
        "car_status": "available",
    }
    path = f"{CATALOG}/listings/{created['id']}"
    reply = await api.patch(path, headers=admin.auth, json={"car_status": "maintenance"})
    assert reply.json()["car"]["car_status"] == "maintenance"
    assert [e["rentable"] for e in await events(platform, "CarSet")] == [True, False]


async def test_another_business_can_neither_see_nor_change_a_listing(
    api: httpx.AsyncClient, platform: Platform, biz: Business
) -> None:
    draft = await create(api, biz.auth, deal() | {"publish": False})
    other = await new_business(api, platform, name="남의 회사")
    path = f"{CATALOG}/listings/{draft['id']}"
    assert (await api.patch(path, headers=other.auth, json={"title": "내 것"})).status_code == 404
    assert (await api.delete(path, headers=other.auth)).status_code == 404
    assert (await api.post(f"{path}/publish", headers=other.auth)).status_code == 404
    assert (await detail(api, draft["id"], other.auth)).status_code == 404
    mine = await detail(api, draft["id"], biz.auth)
    assert mine.json()["title"] == "제주 감귤 5kg" and mine.json()["version"] == 1
    assert mine.json()["status"] == "draft"


async def test_a_change_is_partial_and_validated_like_a_new_listing(
    api: httpx.AsyncClient, platform: Platform, biz: Business
) -> None:
    created = await create(api, biz.auth, deal())
    path = f"{CATALOG}/listings/{created['id']}"
    reply = await api.patch(path, headers=biz.auth, json={"title": "한라봉 3kg", "stock": 50})
    assert reply.status_code == 200
    body = reply.json()
    assert body["title"] == "한라봉 3kg" and body["deal"]["stock"] == 50 and body["version"] == 2
    assert body["deal"]["deal_price"] == 19900
    [updated] = await events(platform, "ListingUpdated")
    assert "한라봉" in updated["search_text"]
    assert [e["stock"] for e in await events(platform, "StockSet")] == [100, 50]
    for change in (
        {"deal_price": 40000},
        {"kind": "car"},
        {"car_status": "maintenance"},
        {"daily_rate": 1},
        {"title": None},
        {"colour": "red"},
        {"stock": -1},
    ):
        reply = await api.patch(path, headers=biz.auth, json=change)
        assert reply.status_code == 422, change
        assert reply.headers["content-type"] == PROBLEM
    assert (await detail(api, created["id"])).json()["version"] == 2


async def test_an_open_sale_keeps_its_window_and_stock(
    api: httpx.AsyncClient, biz: Business
) -> None:
    created = await create(api, biz.auth, deal(NOW - timedelta(minutes=5)))
    path = f"{CATALOG}/listings/{created['id']}"
    reply = await api.patch(path, headers=biz.auth, json={"stock": 1})
    assert reply.status_code == 409 and reply.json()["type"].endswith("/sale-started")
    later = (NOW + timedelta(hours=3)).isoformat()
    assert (await api.patch(path, headers=biz.auth, json={"closes_at": later})).status_code == 409
    assert (await api.patch(path, headers=biz.auth, json={"title": "마감 임박"})).status_code == 200


async def test_moving_a_scheduled_window_to_now_opens_the_sale(
    api: httpx.AsyncClient, platform: Platform, biz: Business
) -> None:
    created = await create(api, biz.auth, deal())
    window = {
        "opens_at": (NOW - timedelta(minutes=1)).isoformat(),
        "closes_at": (NOW + timedelta(hours=1)).isoformat(),
    }
    path = f"{CATALOG}/listings/{created['id']}"
    reply = await api.patch(path, headers=biz.auth, json=window)
    assert reply.json()["status"] == "open"
    assert len(await events(platform, "SaleOpened")) == 1


async def test_a_deleted_listing_is_gone_for_all_but_admins(
    api: httpx.AsyncClient, platform: Platform, biz: Business
) -> None:
    created = await create(api, biz.auth, deal())
    path = f"{CATALOG}/listings/{created['id']}"
    assert (await api.delete(path, headers=biz.auth)).status_code == 204
    assert (await detail(api, created["id"])).status_code == 404
    assert (await detail(api, created["id"], biz.auth)).status_code == 404
    assert (await api.delete(path, headers=biz.auth)).status_code == 404
    assert (await api.get(f"{CATALOG}/listings")).json()["items"] == []
    admin = await new_admin(api, platform)
    assert (await detail(api, created["id"], admin.auth)).json()["status"] == "deleted"
    [gone] = await events(platform, "ListingDeleted")
    assert gone == {"listing_id": created["id"], "kind": "deal"}


async def test_admins_manage_every_listing(
    api: httpx.AsyncClient, platform: Platform, biz: Business
) -> None:
    created = await create(api, biz.auth, deal())
    admin = await new_admin(api, platform)
    path = f"{CATALOG}/listings/{created['id']}"
    reply = await api.patch(path, headers=admin.auth, json={"per_user_limit": 1})
    assert reply.json()["deal"]["per_user_limit"] == 1
    assert (await api.delete(path, headers=admin.auth)).status_code == 204


async def test_mine_lists_the_company_listings_in_every_state(
    api: httpx.AsyncClient, platform: Platform, biz: Business
) -> None:
    draft = await create(api, biz.auth, deal() | {"publish": False})
    shown = await create(api, biz.auth, deal())
    other = await new_business(api, platform, name="남의 회사")
    await create(api, other.auth, deal())
    reply = await api.get(f"{CATALOG}/mine", headers=biz.auth)
    assert {i["id"] for i in reply.json()["items"]} == {draft["id"], shown["id"]}
    reply = await api.get(f"{CATALOG}/mine", headers=biz.auth, params={"status": "draft"})
    assert [i["id"] for i in reply.json()["items"]] == [draft["id"]]
