"""Renting a car: a new buyer picks dates and pays; the platform's staff (cars are the
platform's own, so an admin) hands the car over and takes it back; the buyer gives five stars
and the listing shows the rating."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.web.site import DEMO, Site, log_in, shot, sign_up
from tests.web.test_journey_business import word
from tests.web.test_journey_phone import eventually, hold, pay_at_provider, status_of


def free_car(site: Site, lang: str) -> str:
    """A published, available car no other journey uses (one per language)."""
    with httpx.Client(base_url=site.url, timeout=15) as client:
        cars = client.get("/api/catalog/listings", params={"kind": "car", "limit": 20})
        ids = [str(car["id"]) for car in cars.json()["items"]][:2]
    assert len(ids) == 2, "the demo has cars"
    return ids[0] if lang == "ko" else ids[1]


def rent(page: Any, car_id: str, start: date) -> str:
    def choose() -> None:
        page.fill("input[name=start_date]", start.isoformat())
        page.fill("input[name=end_date]", (start + timedelta(days=2)).isoformat())

    hold(page, car_id, choose)
    page.click("[data-test=place-order]")
    return pay_at_provider(page)


def hand_over_and_take_back(staff: Any, order_id: str, lang: str) -> None:
    log_in(staff, *DEMO["admin"])
    staff.goto("/business/orders")
    row = f"[data-test=rental][data-order='{order_id}']"
    eventually(lambda: staff.locator(row).count() == 1, staff)
    staff.click(f"{row} [data-test=pickup]")
    staff.wait_for_url(re.compile(r"/business/orders\?flash="))
    assert word("biz.orders.pickup.done", lang) in staff.inner_text("main")
    assert staff.get_attribute(row, "data-state") == "picked_up"
    staff.click(f"{row} [data-test=return]")
    staff.wait_for_url(re.compile(r"/business/orders\?flash="))
    assert staff.get_attribute(row, "data-state") == "returned"


def test_rent_a_car_and_rate_it(
    new_page: Any, browser: Any, site: Site, lang: str, shots: Path
) -> None:
    car_id = free_car(site, lang)
    page = new_page
    sign_up(page, site, "car", name="렌트고객")
    start = date.today() + timedelta(days=random.randint(30, 300))
    order_id = rent(page, car_id, start)
    eventually(lambda: status_of(page) in ("PAID", "CONFIRMED"), page)
    page.goto(f"/listings/{car_id}")  # the car's page shows the days as booked
    period = page.locator(f"[data-test=booked-period][data-from='{start}']")
    assert period.get_attribute("data-until") == str(start + timedelta(days=2))
    staff = site.person(browser, lang)
    try:
        hand_over_and_take_back(staff, order_id, lang)
    finally:
        staff.context.close()
    page.goto(f"/my/orders/{order_id}")
    eventually(lambda: page.locator("[data-test=write-review]").count() == 1, page)
    page.click("[data-test=write-review]")
    page.wait_for_url(re.compile(r"/my/reviews/new\?order_id="))
    page.check("input[name=stars][value='5']")
    page.fill("#f-body", "Clean car, easy pick-up.")
    page.click("[data-test=post-review]")
    page.wait_for_load_state()
    page.goto(f"/listings/{car_id}")
    eventually(lambda: re.search(r"★ 5(\.0+)? \(1\)", page.inner_text("main")) is not None, page)
    shot(page, shots, "car", lang)
