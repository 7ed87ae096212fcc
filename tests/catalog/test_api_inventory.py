"""What sales will sell: performance seats, phones at shops, and the shops themselves."""

from __future__ import annotations

import httpx
import pytest

from stampede.compose import Platform
from tests.catalog.support import (
    CATALOG,
    PROBLEM,
    Business,
    create,
    device,
    events,
    freeze,
    new_admin,
    new_business,
    new_shop,
    new_user,
    performance,
    seat_map,
)


@pytest.fixture
async def biz(api: httpx.AsyncClient, platform: Platform) -> Business:
    freeze(platform)
    return await new_business(api, platform)


async def test_a_performance_shows_its_sessions_and_seat_maps(
    api: httpx.AsyncClient, platform: Platform, biz: Business
) -> None:
    created = await create(api, biz.auth, performance())
    assert created["price"] == 99000  # the cheapest grade
    info = created["performance"]
    assert info["genre"] == "뮤지컬" and info["venue"] == "블루스퀘어"
    first, second = info["sessions"]
    assert first["seat_count"] == 6 and second["seat_count"] == 2
    assert first["prices"] == {"R": 150000, "S": 99000}
    [section] = first["sections"]
    assert [row["name"] for row in section["rows"]] == ["1", "2"]
    seat = section["rows"][1]["seats"][0]
    assert seat["label"] == "A-2-1" and seat["grade"] == "S" and seat["price"] == 99000
    facts = await events(platform, "SeatsSet")
    assert [len(f["seats"]) for f in facts] == [6, 2]
    assert facts[0]["session_id"] == first["id"]
    assert {s["seat_id"] for s in facts[0]["seats"]} == {
        s["id"] for row in section["rows"] for s in row["seats"]
    }


async def test_new_sessions_replace_the_old_ones_before_the_sale(
    api: httpx.AsyncClient, platform: Platform, biz: Business
) -> None:
    created = await create(api, biz.auth, performance())
    one = [
        {
            "starts_at": created["performance"]["sessions"][0]["starts_at"],
            "seat_map": seat_map(3, 4),
        }
    ]
    path = f"{CATALOG}/listings/{created['id']}"
    reply = await api.patch(path, headers=biz.auth, json={"sessions": one})
    [session] = reply.json()["performance"]["sessions"]
    assert session["seat_count"] == 12
    assert [len(f["seats"]) for f in await events(platform, "SeatsSet")] == [6, 2, 12]
    twice = seat_map()
    twice["sections"] = twice["sections"] * 2
    bad = [{"starts_at": session["starts_at"], "seat_map": twice}]
    reply = await api.patch(path, headers=biz.auth, json={"sessions": bad})
    assert reply.status_code == 422 and reply.headers["content-type"] == PROBLEM


async def test_a_phone_is_sold_at_one_of_the_company_shops(
    api: httpx.AsyncClient, platform: Platform, biz: Business
) -> None:
    other = await new_business(api, platform, name="남의 회사")
    theirs = await new_shop(api, other.auth, "남의 가게")
    reply = await api.post(f"{CATALOG}/listings", headers=biz.auth, json=device(theirs))
    assert reply.status_code == 422 and reply.json()["type"].endswith("/unknown-shop")
    shop = await new_shop(api, biz.auth)
    created = await create(api, biz.auth, device(shop, "SN-0001", "SN-0002"))
    assert created["company"]["id"] == biz.company_id
    assert [u["serial"] for u in created["device"]["units"]] == ["SN-0001", "SN-0002"]
    public = (await api.get(f"{CATALOG}/listings/{created['id']}")).json()["device"]
    assert public["units"] is None and public["available"] == 2
    assert public["shops"][0]["name"] == "강남점" and public["shops"][0]["available"] == 2
    [units] = await events(platform, "UnitsSet")
    assert units["shop_id"] == shop and sorted(u["serial"] for u in units["units"]) == [
        "SN-0001",
        "SN-0002",
    ]


async def test_units_change_with_the_listing_and_serials_stay_unique(
    api: httpx.AsyncClient, platform: Platform, biz: Business
) -> None:
    shop = await new_shop(api, biz.auth)
    created = await create(api, biz.auth, device(shop, "SN-0001", "SN-0002"))
    path = f"{CATALOG}/listings/{created['id']}"
    units = [{"serial": "SN-0002"}, {"serial": "SN-0003"}]
    reply = await api.patch(path, headers=biz.auth, json={"units": units})
    assert [u["serial"] for u in reply.json()["device"]["units"]] == ["SN-0002", "SN-0003"]
    reply = await api.post(f"{CATALOG}/listings", headers=biz.auth, json=device(shop, "SN-0003"))
    assert reply.status_code == 409 and reply.json()["type"].endswith("/serial-taken")
    second = await new_shop(api, biz.auth, "역삼점")
    reply = await api.patch(path, headers=biz.auth, json={"shop_id": second})
    assert {u["shop_id"] for u in reply.json()["device"]["units"]} == {second}
    last = (await events(platform, "UnitsSet"))[-2:]
    assert {e["shop_id"]: len(e["units"]) for e in last} == {second: 2, shop: 0}


async def test_shops_belong_to_their_company(
    api: httpx.AsyncClient, platform: Platform, biz: Business
) -> None:
    shop = await new_shop(api, biz.auth)
    other = await new_business(api, platform, name="남의 회사")
    path = f"{CATALOG}/shops/{shop}"
    assert (
        await api.patch(path, headers=other.auth, json={"name": "뺏은 가게"})
    ).status_code == 404
    reply = await api.patch(path, headers=biz.auth, json={"region": "경기"})
    assert reply.json()["region"] == "경기" and reply.json()["company_id"] == biz.company_id
    listed = await api.get(f"{CATALOG}/shops", params={"company_id": biz.company_id})
    assert [s["id"] for s in listed.json()["items"]] == [shop]
    customer = await new_user(api)
    body = {"name": "가게", "address": "서울", "region": "서울"}
    assert (await api.post(f"{CATALOG}/shops", headers=customer.auth, json=body)).status_code == 403
    wrong = body | {"company_id": other.company_id}
    assert (await api.post(f"{CATALOG}/shops", headers=biz.auth, json=wrong)).status_code == 422
    assert (
        await api.post(f"{CATALOG}/shops", headers=biz.auth, json=body | {"x": 1})
    ).status_code == 422


async def test_an_admin_runs_shops_and_phones_for_the_platform(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    freeze(platform)
    admin = await new_admin(api, platform)
    shop = await new_shop(api, admin.auth, "직영점")
    created = await create(api, admin.auth, device(shop, "SN-9001"))
    assert created["company"] is None and created["device"]["available"] == 1
    path = f"{CATALOG}/listings/{created['id']}/unpublish"
    assert (await api.post(path, headers=admin.auth)).json()["status"] == "unpublished"
    assert (await api.get(f"{CATALOG}/listings/{created['id']}")).status_code == 404
