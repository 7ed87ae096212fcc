"""Importing feeds into a running catalog, the demo seed, and ``stampede catalog import``."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from stampede.catalog.domain.feed import shop_id_for
from stampede.catalog.handlers.importer import import_feed, seed_demo
from stampede.catalog.store import Shop
from stampede.compose import Platform
from stampede.identity.domain.demo import DEMO_ACCOUNTS
from stampede.kernel.errors import Unprocessable
from stampede.kernel.outbox import OutboxRow
from tests.catalog.support import CATALOG, catalog, freeze, new_business
from tests.system.processes import Process

OPENS = "2025-03-20T10:00:00+09:00"  # ten days after the frozen catalog clock
CLOSES = "2025-03-20T11:00:00+09:00"


def deal(external_id: str, company: str | None, **fields: Any) -> dict[str, Any]:
    row = {
        "kind": "deal",
        "external_id": external_id,
        "title": "삼성 갤럭시 S24 256GB",
        "description": "Samsung Galaxy S24",
        "category": "digital",
        "list_price": 1_155_000,
        "deal_price": 899_000,
        "stock": 30,
        "opens_at": OPENS,
        "closes_at": CLOSES,
        "company": company,
    }
    return row | fields


def car(external_id: str, number: str, **fields: Any) -> dict[str, Any]:
    row = {
        "kind": "car",
        "external_id": external_id,
        "title": "기아 K5",
        "car_number": number,
        "region": "부산",
        "daily_rate": 68_000,
    }
    return row | fields


def phone(external_id: str, shop: str, *serials: str) -> dict[str, Any]:
    units = [{"serial": s} for s in serials]
    row = {"kind": "device", "external_id": external_id, "title": "애플 아이폰 15"}
    return row | {"price": 1_250_000, "shop": shop, "units": units}


def write(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


async def outbox_size(platform: Platform) -> int:
    async with catalog(platform).db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxRow)) or 0)


async def titles(api: httpx.AsyncClient, **params: str) -> list[str]:
    reply = await api.get(f"{CATALOG}/listings", params={"limit": "100", **params})
    assert reply.status_code == 200, reply.text
    return [item["title"] for item in reply.json()["items"]]


async def test_reimporting_the_same_feed_changes_nothing(
    api: httpx.AsyncClient, platform: Platform, tmp_path: Path
) -> None:
    freeze(platform)
    business = await new_business(api, platform)
    shops = [{"key": "gangnam", "name": "강남점", "region": "서울", "company": business.company_id}]
    rows = [
        deal("d-1", business.company_id),
        car("c-1", "12가 3456"),
        phone("p-1", "gangnam", "SN-001"),
    ]
    path = write(tmp_path, "feed.json", {"shops": shops, "listings": rows})
    runtime = catalog(platform)
    assert await import_feed(runtime, path) == "imported 3 new, 0 updated, 0 unchanged, 0 bad"
    emitted = await outbox_size(platform)
    assert await import_feed(runtime, path) == "imported 0 new, 0 updated, 3 unchanged, 0 bad"
    assert await outbox_size(platform) == emitted
    rows[0]["stock"] = 40
    path = write(tmp_path, "feed.json", {"shops": shops, "listings": rows})
    assert await import_feed(runtime, path) == "imported 0 new, 1 updated, 2 unchanged, 0 bad"
    assert await outbox_size(platform) > emitted
    assert "애플 아이폰 15" in await titles(api, kind="device")


async def test_a_feed_with_three_bad_rows_imports_the_rest_and_names_them(
    api: httpx.AsyncClient, platform: Platform, tmp_path: Path
) -> None:
    freeze(platform)
    business = await new_business(api, platform)
    rows = [
        deal("d-1", business.company_id),
        deal("d-2", business.company_id, stock=-1),
        car("c-1", "12가 3456"),
        deal("d-3", str(uuid.uuid4())),
        car("c-2", "34나 5678"),
        deal("d-4", business.company_id, closes_at="2025-03-20T09:00:00+09:00"),
        deal("d-5", business.company_id, title="LG 그램 16"),
    ]
    report = await import_feed(catalog(platform), write(tmp_path, "feed.json", rows))
    assert report.splitlines() == [
        "imported 4 new, 0 updated, 0 unchanged, 3 bad",
        "line 2: stock: Input should be greater than or equal to 0",
        "line 4: no such approved company",
        "line 6: closes_at must be after opens_at",
    ]
    assert len(await titles(api)) == 4


CSV = """kind,external_id,title,description,category,list_price,deal_price,stock,opens_at,\
closes_at,images,car_number,region,daily_rate,company
deal,csv-d1,삼성 갤럭시 버즈3,Samsung Galaxy Buds3,digital,319000,199000,50,{opens},{closes},\
https://img.example/b1.jpg|https://img.example/b2.jpg,,,,{company}
deal,csv-d2,제주 감귤 5kg,,food,32900,19900,-3,{opens},{closes},,,,,{company}
car,csv-c1,현대 아반떼,,,,,,,,,12가 3456,서울,55000,
car,csv-c2,기아 레이,,,,,,,,,not a plate,제주,45000,
"""


async def test_a_csv_feed_imports_like_a_json_one(
    api: httpx.AsyncClient, platform: Platform, tmp_path: Path
) -> None:
    freeze(platform)
    business = await new_business(api, platform)
    text = CSV.format(opens=OPENS, closes=CLOSES, company=business.company_id)
    path = write(tmp_path, "feed.csv", text)
    report = await import_feed(catalog(platform), path)
    assert report.splitlines() == [
        "imported 2 new, 0 updated, 0 unchanged, 2 bad",
        "line 3: stock: Input should be greater than or equal to 0",
        "line 5: car_number: String should match pattern '^\\d{2,3}[가-힣]\\s?\\d{4}$'",
    ]
    assert await titles(api, q="갤럭시") == ["삼성 갤럭시 버즈3"]
    assert await titles(api, q="galaxy") == ["삼성 갤럭시 버즈3"]
    assert await import_feed(catalog(platform), path) == (
        "imported 0 new, 0 updated, 2 unchanged, 2 bad\n" + "\n".join(report.splitlines()[1:])
    )


async def test_a_row_the_catalog_refuses_is_named_and_the_rest_still_import(
    platform: Platform, tmp_path: Path
) -> None:
    rows = [phone("p-1", "nowhere", "SN-1"), car("c-1", "12가 3456")]
    feed = {"shops": [{"key": "x", "name": "어디", "region": "서울", "company": str(uuid.uuid4())}]}
    path = write(tmp_path, "feed.json", feed | {"listings": rows})
    assert (await import_feed(catalog(platform), path)).splitlines() == [
        "imported 1 new, 0 updated, 0 unchanged, 2 bad",
        "shop x: no such approved company",
        "line 1: shop_id: no such shop",
    ]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("missing.json", None, "missing.json: no such file"),
        ("notes.txt", "just some notes\n", "notes.txt is neither a JSON nor a CSV feed"),
        ("broken.json", "[{", "broken.json is not valid JSON"),
    ],
)
async def test_a_file_that_is_no_feed_is_unprocessable(
    platform: Platform, tmp_path: Path, name: str, content: str | None, reason: str
) -> None:
    path = write(tmp_path, name, content) if content is not None else tmp_path / name
    with pytest.raises(Unprocessable) as raised:
        await import_feed(catalog(platform), path)
    assert reason in raised.value.detail and "\n" not in raised.value.detail


async def test_the_demo_seed_loads_the_demo_catalog_once(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    lines = await platform.seed_demo()
    assert (
        "catalog   200 demo listings (50 performances, 100 deals, 20 cars, 30 phones at 3 shops)"
        in lines
    )
    assert await platform.seed_demo() == []
    today = await titles(api, window="today")
    assert today and await titles(api, window="week")
    assert await titles(api, q="갤럭시") and await titles(api, q="galaxy")
    reply = await api.get(f"{CATALOG}/listings", params={"kind": "device", "limit": "100"})
    owners = {item["company_id"] for item in reply.json()["items"]}
    first = DEMO_ACCOUNTS[1].company
    assert first is not None and owners == {first.company_id}
    async with catalog(platform).db.sessions() as session:
        shop_ids = set((await session.scalars(select(Shop.id))).all())
    assert shop_id_for("tword-gangnam") in shop_ids and len(shop_ids) == 3


@pytest.mark.system
def test_the_cli_imports_a_feed_and_reports_bad_rows(tmp_path: Path) -> None:
    env = {"STAMPEDE_DATA_DIR": str(tmp_path / "var")}
    rows = [car("c-1", "12가 3456"), car("c-2", "34나 5678", daily_rate=-1)]
    feed = write(tmp_path, "cars.json", rows)

    def stampede(*args: str) -> tuple[int, str, str]:
        result = Process(["catalog", "import", *args], env, tmp_path / "log").run()
        return result.returncode, result.stdout, result.stderr

    code, out, err = stampede(str(feed))
    assert code == 0, err
    assert out.splitlines() == [
        "imported 1 new, 0 updated, 0 unchanged, 1 bad",
        "line 2: daily_rate: Input should be greater than or equal to 0",
    ]
    assert stampede(str(feed))[1].splitlines()[0] == "imported 0 new, 0 updated, 1 unchanged, 1 bad"
    code, out, err = stampede(str(tmp_path / "nope.csv"))
    assert code == 2 and err.strip().splitlines() == [
        f"stampede: {tmp_path / 'nope.csv'}: no such file"
    ]


async def test_without_identitys_demo_companies_the_demo_seed_says_what_it_refused(
    platform: Platform,
) -> None:
    lines = await seed_demo(catalog(platform))
    assert lines == [
        "catalog   20 demo listings (0 performances, 0 deals, 20 cars, 0 phones at 3 shops)",
        "catalog   183 demo rows refused, first: shop tword-gangnam: no such approved company",
    ]
