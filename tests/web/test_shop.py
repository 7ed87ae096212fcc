"""Shop pages in the browser: the home page's deals, search, every kind of listing as a guest
sees it, liking into the wish list, and keyword alerts."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx

from stampede.web.domain.words import WORDS
from tests.web.site import Site, sign_up
from tests.web.test_journey_phone import phone_with_units

CARD = "[data-test=listing-card]"


def word(key: str, lang: str) -> str:
    ko, en = WORDS[key]
    return ko if lang == "ko" else en


def listings(site: Site, **params: Any) -> list[dict[str, Any]]:
    """Public listings, read straight from the API (test setup only)."""
    answer = httpx.get(f"{site.url}/api/catalog/listings", params={"limit": 50, **params})
    answer.raise_for_status()
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def first_of(site: Site, kind: str) -> dict[str, Any]:
    status = "open" if kind in ("deal", "performance") else "published"
    return listings(site, kind=kind, status=status)[0]


def test_home_lists_open_deals_and_shows(new_page: Any, site: Site, lang: str) -> None:
    page = new_page
    page.goto("/")
    assert page.locator("#h-today").inner_text() == word("home.deals", lang)
    today = page.locator(f"[data-test=today-deals] {CARD}")
    assert today.count() >= 1
    assert today.first.get_attribute("data-kind") == "deal"
    assert page.locator(f"[data-test=open-shows] {CARD}").count() >= 1
    assert page.locator("[data-test=categories] a").count() >= 5


def test_search_finds_a_demo_listing(new_page: Any, site: Site, lang: str) -> None:
    page = new_page
    page.goto("/")
    page.fill("#home-q", "아반떼")
    page.press("#home-q", "Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    results = page.locator(f"[data-test=results] {CARD}")
    assert results.count() >= 1
    assert "아반떼" in results.first.inner_text()
    page.select_option("#f-kind", "deal")
    page.click("[data-test=search]")
    page.wait_for_url(re.compile(r"kind=deal"))
    assert page.locator("[data-test=no-results]").inner_text() == word("shop.no_results", lang)


def test_a_guest_sees_each_kind_of_listing(new_page: Any, site: Site, lang: str) -> None:
    page = new_page
    deal = first_of(site, "deal")
    page.goto(f"/listings/{deal['id']}")
    assert page.locator("h1").inner_text() == deal["title"]
    assert page.locator("[data-test=deal-price]").is_visible()
    show = first_of(site, "performance")
    page.goto(f"/listings/{show['id']}")
    assert page.locator("[data-test=sessions] li").count() >= 1
    seats = page.locator("[data-test=seat]")
    assert seats.count() >= 10
    phone_id, _ = phone_with_units(site, 1)  # other journeys may have sold the newest out
    page.goto(f"/listings/{phone_id}")
    assert int(page.locator("[data-test=available]").inner_text()) >= 1
    assert page.get_by_label(word("shop.any_unit", lang)).is_checked()
    car = first_of(site, "car")
    page.goto(f"/listings/{car['id']}")
    assert page.get_by_label(word("shop.start_date", lang)).is_visible()
    assert page.get_by_label(word("shop.end_date", lang)).is_visible()
    assert page.locator("[data-test=daily-rate]").inner_text().strip() != ""


def test_a_liked_deal_is_in_the_wish_list(new_page: Any, site: Site, lang: str) -> None:
    page = new_page
    sign_up(page, site, "liker")
    deal = first_of(site, "deal")
    page.goto(f"/listings/{deal['id']}")
    page.click("[data-test=like]")
    page.locator("[data-test=unlike]").wait_for()
    page.goto("/wishlist")
    wished = page.locator(f"[data-test=wishlist] {CARD}")
    assert wished.count() == 1
    assert deal["title"] in wished.first.inner_text()
    page.goto(f"/listings/{deal['id']}")
    page.click("[data-test=unlike]")
    page.locator("[data-test=like]").wait_for()
    page.goto("/wishlist")
    assert page.locator(f"[data-test=wishlist] {CARD}").count() == 0


def test_keyword_alerts_are_added_and_removed(new_page: Any, site: Site, lang: str) -> None:
    page = new_page
    sign_up(page, site, "alerts")
    keyword = f"lego{uuid.uuid4().hex[:6]}"
    page.goto("/alerts")
    page.get_by_label(word("shop.keyword", lang)).fill(keyword)
    page.click("[data-test=add-alert]")
    page.wait_for_url(re.compile(r"/alerts\?flash="))
    assert page.locator("[role=status]").inner_text() == word("shop.alert_added", lang)
    alert = page.locator(f"[data-test=alert][data-keyword='{keyword}']")
    assert alert.count() == 1
    alert.locator("[data-test=remove-alert]").click()
    page.wait_for_url(re.compile(r"flash=shop.alert_removed"))
    assert page.locator("[data-test=alert]").count() == 0
    page.get_by_label(word("shop.keyword", lang)).fill(" ")
    page.click("[data-test=add-alert]")
    assert page.locator("#form-errors").is_visible()


def test_a_problem_shows_on_the_form_it_came_from(new_page: Any, site: Site, lang: str) -> None:
    page = new_page
    sign_up(page, site, "dates")
    car = first_of(site, "car")
    page.goto(f"/listings/{car['id']}")
    page.get_by_label(word("shop.start_date", lang)).fill("2030-01-10")
    page.get_by_label(word("shop.end_date", lang)).fill("2030-01-09")
    page.click("[data-test=buy]")
    assert page.locator("#form-errors").inner_text() == word("checkout.dates_order", lang)
    assert page.get_by_label(word("shop.start_date", lang)).input_value() == "2030-01-10"


SUBMIT_TWICE = """async (selector) => {
  const form = document.querySelector(selector);
  const body = () => new URLSearchParams(new FormData(form));
  const send = () => fetch(form.action, {method: "POST", body: body()});
  const answers = await Promise.all([send(), send()]);
  return answers.map((answer) => answer.url);
}"""


def deal_without_waiting_room(site: Site) -> dict[str, Any]:
    for deal in listings(site, kind="deal", status="open"):
        detail = httpx.get(f"{site.url}/api/catalog/listings/{deal['id']}").json()
        if not detail["deal"]["waiting_room"]:
            return dict(detail)
    raise AssertionError("the demo data has no open deal without a waiting room")


def test_a_double_submit_holds_once(new_page: Any, site: Site, lang: str) -> None:
    page = new_page
    sign_up(page, site, "twice")
    plain = deal_without_waiting_room(site)
    page.goto(f"/listings/{plain['id']}")
    landed = page.evaluate(SUBMIT_TWICE, "[data-test=hold-form]")
    assert re.search(r"/checkout/[0-9a-f-]{36}$", landed[0])
    assert landed[0] == landed[1]
