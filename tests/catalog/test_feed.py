"""Reading feeds: JSON and CSV rows, named problems, demo windows anchored at a given time."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from stampede.catalog.domain.feed import (
    anchor,
    parse_feed,
    read_raw,
    shop_id_for,
    validate,
)
from stampede.catalog.domain.listings import CarIn, DealIn, DeviceIn, PerformanceIn
from stampede.kernel.errors import Unprocessable

ROOT = Path(__file__).resolve().parents[2]
COMPANY = "0e377675-38ec-5113-9858-3d4065488151"


def deal(external_id: str, **fields: Any) -> dict[str, Any]:
    row = {
        "kind": "deal",
        "external_id": external_id,
        "title": "삼성 갤럭시 S24",
        "category": "digital",
        "list_price": 1_155_000,
        "deal_price": 899_000,
        "stock": 10,
        "opens_at": "2030-01-01T10:00:00+09:00",
        "closes_at": "2030-01-01T11:00:00+09:00",
    }
    return {**row, **fields}


def test_a_json_list_gives_one_item_per_good_row_and_names_the_bad_ones() -> None:
    rows = [deal("a"), deal("b", stock=-1), deal("c", company=COMPANY), {"kind": "boat"}]
    feed = parse_feed(json.dumps(rows), "feed.json")
    assert [(i.line, i.listing.external_id, i.company_id) for i in feed.items] == [
        (1, "a", None),
        (3, "c", COMPANY),
    ]
    assert [str(p) for p in feed.problems] == [
        "line 2: stock: Input should be greater than or equal to 0",
        "line 4: external_id: Field required",
    ]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"kind": "boat", "external_id": "x"}, "kind: Input tag 'boat' found using 'kind'"),
        ({"external_id": "x"}, "kind: Unable to extract tag"),
        (deal("x", closes_at="2030-01-01T09:00:00+09:00"), "closes_at must be after opens_at"),
        (deal("x", images=["nope"]), "images.0: Input should be a valid URL"),
        (deal("x", colour="red"), "colour: Extra inputs are not permitted"),
        (deal("x", company="shop one"), "company: must be a company id"),
        (deal("x y"), "external_id: String should match pattern"),
        ("just text", "a row must be an object"),
    ],
)
def test_each_bad_row_gets_a_short_reason(row: Any, reason: str) -> None:
    (problem,) = parse_feed(json.dumps([row]), "feed.json").problems
    assert problem.line == 1 and problem.reason.startswith(reason), problem.reason


def test_a_repeated_external_id_is_a_problem_on_the_later_line() -> None:
    feed = parse_feed(json.dumps({"listings": [deal("a"), deal("a", stock=3)]}), "f.json")
    assert [i.listing.external_id for i in feed.items] == ["a"]
    assert [str(p) for p in feed.problems] == ["line 2: external_id: a repeats line 1"]


CSV = """kind,external_id,title,category,list_price,deal_price,stock,opens_at,closes_at,images,\
waiting_room,car_number,region,daily_rate,shop,price,units,company
deal,d1,갤럭시 S24,digital,1000,900,5,2030-01-01T10:00:00+09:00,2030-01-01T11:00:00+09:00,\
https://img.example/1.jpg|https://img.example/2.jpg,true,,,,,,,
deal,d2,에어팟,digital,1000,900,-5,2030-01-01T10:00:00+09:00,2030-01-01T11:00:00+09:00,,,,,,,,,

car,c1,현대 아반떼,,,,,,,,,12가 3456,서울,55000,,,,
device,p1,"갤럭시 S24, 자급제",,,,,,,,,,,,shop-a,1155000,SN-0001|SN-0002,
car,c2,기아 K5,,,,,,,,,12가 3456,부산,55000,,,,not-a-company
car,c3,기아 K5,,,,,,,,,,,,,,,,,,,,,,,
"""


def test_csv_rows_are_flat_with_pipe_lists_and_file_line_numbers() -> None:
    feed = parse_feed(CSV, "feed.csv")
    by_id = {i.listing.external_id: i for i in feed.items}
    d1, c1, p1 = by_id["d1"].listing, by_id["c1"].listing, by_id["p1"].listing
    assert isinstance(d1, DealIn) and d1.waiting_room and len(d1.images) == 2
    assert isinstance(c1, CarIn) and c1.daily_rate == 55_000 and by_id["c1"].line == 5
    assert isinstance(p1, DeviceIn) and p1.shop_id == shop_id_for("shop-a")
    assert [u.serial for u in p1.units] == ["SN-0001", "SN-0002"] and p1.title.endswith("자급제")
    assert [str(p) for p in feed.problems] == [
        "line 3: stock: Input should be greater than or equal to 0",
        "line 7: company: must be a company id (a UUID)",
        "line 8: the row has 26 cells; the header names 18",
    ]


def test_a_csv_performance_carries_its_sessions_as_json() -> None:
    session = {
        "starts_at": "2030-02-01T19:30:00+09:00",
        "seat_map": {
            "prices": {"R": 50000},
            "sections": [
                {"name": "1층", "rows": [{"name": "A", "seats": [{"number": 1, "grade": "R"}]}]}
            ],
        },
    }
    cell = json.dumps([session], ensure_ascii=False).replace('"', '""')
    text = (
        "kind,external_id,title,genre,venue,category,opens_at,closes_at,sessions\n"
        f"performance,p1,햄릿,연극,세종문화회관,theater,2030-01-01T10:00:00+09:00,"
        f'2030-02-01T10:00:00+09:00,"{cell}"\n'
        "performance,p2,햄릿,연극,세종문화회관,theater,2030-01-01T10:00:00+09:00,"
        "2030-02-01T10:00:00+09:00,[{oops\n"
    )
    feed = parse_feed(text, "perf.csv")
    (item,) = feed.items
    assert isinstance(item.listing, PerformanceIn) and len(item.listing.sessions) == 1
    assert [p.line for p in feed.problems] == [3]
    assert feed.problems[0].reason.startswith("sessions: not valid JSON")


@pytest.mark.parametrize(
    ("text", "name", "reason"),
    [
        ("not json at all", "feed.json", "feed.json is not valid JSON"),
        ('{"items": []}', "feed.json", "a JSON feed is a list of listings"),
        ("title,price\nx,1\n", "feed.csv", "a CSV feed starts with a header naming kind"),
        ("hello\nworld\n", "notes.txt", "notes.txt is neither a JSON nor a CSV feed"),
        ('{"listings": [], "shops": [{"key": "a"}]}', "f.json", "shops 1: name: Field required"),
    ],
)
def test_a_feed_of_the_wrong_shape_is_unprocessable(text: str, name: str, reason: str) -> None:
    with pytest.raises(Unprocessable) as raised:
        parse_feed(text, name)
    assert reason in raised.value.detail and "\n" not in raised.value.detail


def test_the_format_is_sniffed_when_the_name_does_not_say() -> None:
    assert len(parse_feed(json.dumps([deal("a")]), "feed.txt").items) == 1
    assert len(parse_feed(CSV, "feed").items) == 3


def demo_text() -> str:
    return resources.files("stampede.catalog.demo").joinpath("feed.json").read_text("utf-8")


def test_the_demo_feed_is_valid_once_anchored_and_has_windows_from_now() -> None:
    now = datetime(2030, 5, 1, 9, 41, tzinfo=UTC)
    feed = validate(anchor(read_raw(demo_text(), "feed.json"), now))
    assert feed.problems == [] and len(feed.items) == 200 and len(feed.shops) == 3
    kinds = [type(i.listing).__name__ for i in feed.items]
    assert [kinds.count(k) for k in ("PerformanceIn", "DealIn", "CarIn", "DeviceIn")] == [
        50,
        100,
        20,
        30,
    ]
    deals = [i.listing for i in feed.items if isinstance(i.listing, DealIn)]
    assert all(d.closes_at > now and d.opens_at.minute == 0 for d in deals)
    assert any(d.opens_at <= now for d in deals)
    assert max(d.opens_at for d in deals) <= now + timedelta(days=14)
    phones = [i.listing for i in feed.items if isinstance(i.listing, DeviceIn)]
    assert {p.shop_id for p in phones} == {s.shop_id for s in feed.shops}


def test_the_committed_demo_feed_is_what_the_generator_writes() -> None:
    script = ROOT / "scripts" / "make-demo-feed"
    result = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
