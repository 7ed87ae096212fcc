"""Bad input to the listing API: always a 4xx problem, never a 500, never a half-written state."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx

from stampede.compose import Platform
from tests.catalog.support import CATALOG, PROBLEM, car, deal, freeze, new_business

MISSING = "6f1c0e8e-8a4b-4c61-9d55-2f1f7d2a9b10"


MALFORMED: list[Any] = [
    {},
    [],
    "deal",
    None,
    {"kind": "boat"},
    {"kind": "deal"},
    deal(stock=-1),
    deal(stock="many"),
    deal(list_price=10**12),
    deal(deal_price=40000),
    deal(title="x" * 500),
    deal(title="\x00"),
    deal(images=["not a url"]),
    deal(category="weapons"),
    deal(opens_at="tomorrow"),
    deal(per_user_limit=0),
    deal() | {"opens_at": "9999-12-31T20:00:00-05:00", "closes_at": "9999-12-31T23:00:00-05:00"},
    deal() | {"publish": "sometimes"},
    deal() | {"extra": 1},
    {"kind": "device", "title": "폰", "shop_id": "not-a-uuid", "price": 1},
    {"kind": "device", "title": "폰", "shop_id": MISSING, "price": 1},
    {"kind": "performance", "title": "공연", "sessions": []},
    car(car_number="123"),
]


async def test_malformed_bodies_get_a_problem_and_change_nothing(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    freeze(platform)
    biz = await new_business(api, platform)
    for body in MALFORMED:
        reply = await api.post(f"{CATALOG}/listings", headers=biz.auth, json=body)
        assert 400 <= reply.status_code < 500, (body, reply.status_code, reply.text)
        assert reply.headers["content-type"] == PROBLEM
    as_json = biz.auth | {"content-type": "application/json"}
    raw = await api.post(f"{CATALOG}/listings", headers=as_json, content=b"{not json")
    assert raw.status_code == 400
    year_one = {"o": "newest", "at": "0001-01-01T00:00:00+09:00", "id": MISSING}
    early = base64.urlsafe_b64encode(json.dumps(year_one).encode()).decode().rstrip("=")
    for params in (
        {"cursor": "!!"},
        {"cursor": "eyJ4IjoxfQ"},
        {"cursor": early},
        {"limit": 1000},
        {"kind": "boat"},
        {"q": "x" * 101},
    ):
        assert (await api.get(f"{CATALOG}/listings", params=params)).status_code == 422
    assert (await api.get(f"{CATALOG}/listings/not-an-id")).status_code == 422
    assert (await api.get(f"{CATALOG}/mine", headers=biz.auth)).json()["items"] == []


PATCHES: list[Any] = [
    [],
    "title",
    {"sessions": "all"},
    {"units": [{"serial": "SN-1"}]},
    {"shop_id": "not-a-uuid"},
    {"opens_at": "9999-12-31T20:00:00-05:00", "closes_at": "9999-12-31T23:00:00-05:00"},
    {"opens_at": "0001-01-01T00:00:00+09:00"},
    {"images": None},
    {"external_id": "mine"},
    {"description": "\x00"},
]


async def test_malformed_changes_get_a_problem_and_change_nothing(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    freeze(platform)
    biz = await new_business(api, platform)
    created = await api.post(f"{CATALOG}/listings", headers=biz.auth, json=deal())
    path = f"{CATALOG}/listings/{created.json()['id']}"
    for body in PATCHES:
        reply = await api.patch(path, headers=biz.auth, json=body)
        assert 400 <= reply.status_code < 500, (body, reply.status_code, reply.text)
        assert reply.headers["content-type"] == PROBLEM
    assert (await api.get(path)).json()["version"] == 1
    for shop in ({}, {"name": ""}, {"name": "a", "address": "b", "region": "c", "company_id": 1}):
        reply = await api.post(f"{CATALOG}/shops", headers=biz.auth, json=shop)
        assert reply.status_code == 422, shop
    missing = await api.patch(f"{CATALOG}/shops/{MISSING}", headers=biz.auth, json={"name": "x"})
    assert missing.status_code == 404
