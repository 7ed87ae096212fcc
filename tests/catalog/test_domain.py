"""The listing input models and the state rules, without any I/O."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from stampede.catalog.domain.listings import (
    CarIn,
    DealIn,
    DeviceIn,
    Kind,
    NewListing,
    PerformanceIn,
    Status,
    initial_status,
    searchable_text,
    window_status,
)
from tests.catalog.support import NOW, car, deal, kst, performance, seat_map

LISTING: TypeAdapter[DealIn | PerformanceIn | DeviceIn | CarIn] = TypeAdapter(NewListing)
SHOP = "0b6c8f7e-31c2-4a1e-9d55-6d5b1f7e2a10"


def errors_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        LISTING.validate_python(data)
    return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in caught.value.errors()]


def test_each_kind_parses_into_its_own_model() -> None:
    assert isinstance(LISTING.validate_python(deal()), DealIn)
    assert isinstance(LISTING.validate_python(performance()), PerformanceIn)
    device = {"kind": "device", "title": "갤럭시", "shop_id": SHOP, "price": 1}
    assert isinstance(LISTING.validate_python(device), DeviceIn)
    assert isinstance(LISTING.validate_python(car()), CarIn)


def test_negative_stock_is_refused() -> None:
    assert any("stock" in e for e in errors_of(deal(stock=-1)))


def test_a_window_must_close_after_it_opens() -> None:
    opens = kst(11, 10)
    body = deal(opens) | {"closes_at": (opens - timedelta(hours=1)).isoformat()}
    assert any("closes_at must be after opens_at" in e for e in errors_of(body))


def test_a_window_needs_a_time_zone() -> None:
    body = deal() | {"opens_at": "2025-03-11T10:00:00"}
    assert any("opens_at" in e for e in errors_of(body))


def test_an_unknown_kind_is_refused() -> None:
    found = errors_of({"kind": "boat", "title": "요트"})
    assert any("does not match any of the expected tags" in e for e in found)


def test_a_seat_map_listing_a_seat_twice_is_refused() -> None:
    twice = seat_map()
    twice["sections"].append(twice["sections"][0])
    body = performance()
    body["sessions"][0]["seat_map"] = twice
    assert any("lists a seat twice" in e for e in errors_of(body))


def test_every_grade_needs_a_price() -> None:
    body = performance()
    body["sessions"][0]["seat_map"]["prices"] = {"R": 1000}
    assert any("no price for grade(s) S" in e for e in errors_of(body))


def test_a_deal_price_above_the_list_price_is_refused() -> None:
    assert any("deal_price must not exceed" in e for e in errors_of(deal(deal_price=30001)))


@pytest.mark.parametrize("number", ["1234", "12가34567", "AB가 1234", "123 가 4567"])
def test_a_bad_car_number_is_refused(number: str) -> None:
    assert any("car_number" in e for e in errors_of(car(car_number=number)))


def test_unknown_fields_are_refused() -> None:
    assert any("Extra inputs are not permitted" in e for e in errors_of(deal(colour="red")))


def test_duplicate_serials_are_refused() -> None:
    device = {"kind": "device", "title": "갤럭시", "shop_id": SHOP, "price": 1}
    device["units"] = [{"serial": "SN-1"}, {"serial": "SN-1"}]
    assert any("serial number is listed twice" in e for e in errors_of(device))


def test_sessions_start_after_sales_open() -> None:
    body = performance()
    body["sessions"][0]["starts_at"] = body["opens_at"]
    assert any("every session starts after" in e for e in errors_of(body))


def test_states_follow_publishing_and_the_window() -> None:
    assert initial_status(Kind.DEAL, publish=False) == Status.DRAFT
    assert initial_status(Kind.PERFORMANCE, publish=True) == Status.SCHEDULED
    assert initial_status(Kind.CAR, publish=True) == Status.PUBLISHED
    assert initial_status(Kind.DEVICE, publish=False) == Status.UNPUBLISHED
    opens, closes = NOW + timedelta(hours=1), NOW + timedelta(hours=2)
    assert window_status(opens, closes, NOW) == Status.SCHEDULED
    assert window_status(opens, closes, opens) == Status.OPEN
    assert window_status(opens, closes, closes) == Status.CLOSED


def test_searchable_text_is_lower_cased_and_trimmed() -> None:
    assert searchable_text(" Galaxy S24 ", "", "삼성") == "galaxy s24 삼성"
