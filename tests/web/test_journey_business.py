"""A new member applies for a company, an admin approves it, and the new business (after
logging in again: roles come with the next token) lists a deal and a performance with a small
seat map, and finds both on its listings page."""

from __future__ import annotations

import random
import re
import time
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

from stampede.web.domain.words import WORDS
from tests.web.site import DEMO, PASSWORD, Site, log_in, shot, sign_up

KST = timezone(timedelta(hours=9))
WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)


def word(key: str, lang: str) -> str:
    return WORDS[key][0 if lang == "ko" else 1]


def registration_number() -> str:
    """A fresh valid 10-digit business registration number."""
    digits = [random.randint(0, 9) for _ in range(9)]
    total = sum(d * w for d, w in zip(digits, WEIGHTS, strict=True)) + digits[8] * 5 // 10
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


WINDOW = ("opens_at", "closes_at")


def local_time(hours: float) -> str:
    """A datetime-local value (KST) ``hours`` from now."""
    moment = datetime.now(UTC).astimezone(KST) + timedelta(hours=hours)
    return moment.strftime("%Y-%m-%dT%H:%M")


def apply_for_company(page: Any, lang: str) -> str:
    name = f"Journey {uuid.uuid4().hex[:8]}"
    page.goto("/business")
    page.fill("#f-name", name)
    page.fill("#f-registration_number", registration_number())
    page.fill("#f-contact_email", f"{uuid.uuid4().hex[:8]}@example.com")
    page.fill("#f-contact_phone", "02-555-0199")
    page.click("[data-test=apply]")
    page.wait_for_url(re.compile(r"/business\?flash="))
    assert page.get_attribute("[data-test=company-status]", "data-status") == "pending"
    assert word("biz.company.pending", lang) in page.inner_text("[data-test=company-status]")
    return name


def approve(admin: Any, name: str, lang: str) -> None:
    log_in(admin, *DEMO["admin"])
    admin.goto("/admin/companies")
    admin.click(f"[data-test=company][data-name='{name}'] [data-test=approve]")
    admin.wait_for_url(re.compile(r"/admin/companies\?flash="))
    assert word("admin.companies.approved", lang) in admin.inner_text("main")


def log_in_again(page: Any, address: str, lang: str) -> None:
    page.get_by_role("button", name=word("nav.logout", lang)).click()
    page.wait_for_url(re.compile(r"/\?flash="))
    log_in(page, address, PASSWORD)


def wait_for_catalog(page: Any, timeout_s: float = 20) -> None:
    """The catalog learns of the approval a moment after identity decides it."""
    deadline = time.monotonic() + timeout_s
    page.goto("/business")
    while page.locator("[data-test=catalog-pending]").count():
        assert time.monotonic() < deadline, "the catalog never heard of the company"
        time.sleep(0.5)
        page.goto("/business")
    assert page.locator("[data-test=dashboard]").count() == 1


def become_business(page: Any, browser: Any, site: Site, lang: str) -> str:
    """A new member with an approved company, logged in with the business role."""
    address = sign_up(page, site, "biz", name="사업자")
    name = apply_for_company(page, lang)
    admin = site.person(browser, lang)
    try:
        approve(admin, name, lang)
    finally:
        admin.context.close()
    log_in_again(page, address, lang)
    wait_for_catalog(page)
    return name


def create_deal(page: Any, title: str) -> None:
    """A time deal tomorrow (KST) in the 20:00-22:00 slot."""
    page.goto("/business/listings/new?kind=deal")
    page.fill("#f-title", title)
    page.fill("#f-deal_date", local_time(24)[:10])
    page.select_option("#f-slot", "20")
    page.fill("#f-list_price", "20000")
    page.fill("#f-deal_price", "15000")
    page.fill("#f-stock", "10")
    page.fill("#f-per_user_limit", "2")
    page.click("[data-test=create-listing]")
    page.wait_for_url(re.compile(r"/business/listings\?flash="))


def create_performance(page: Any, title: str) -> None:
    page.goto("/business/listings/new?kind=performance")
    page.fill("#f-title", title)
    page.fill("#f-genre", "Musical")
    page.fill("#f-venue", "Journey Hall")
    page.fill("#f-opens_at", local_time(24))
    page.fill("#f-closes_at", local_time(24 * 7))
    page.fill("#f-session_1", local_time(24 * 8))
    page.fill("#f-seats_per_row", "4")
    page.fill("#f-grade_1", "VIP")
    page.fill("#f-price_1", "100000")
    page.fill("#f-rows_1", "1")
    page.fill("#f-grade_2", "R")
    page.fill("#f-price_2", "70000")
    page.fill("#f-rows_2", "2")
    page.click("[data-test=create-listing]")
    page.wait_for_url(re.compile(r"/business/listings\?flash="))


def test_apply_approve_and_list(
    new_page: Any, browser: Any, site: Site, lang: str, shots: Path
) -> None:
    page = new_page
    become_business(page, browser, site, lang)
    assert page.get_by_role("link", name=word("nav.business", lang)).count() == 1
    deal, show = f"Deal {uuid.uuid4().hex[:6]}", f"Show {uuid.uuid4().hex[:6]}"
    create_deal(page, deal)
    assert word("biz.listings.created", lang) in page.inner_text("main")
    create_performance(page, show)
    rows = page.locator("[data-test=listing]")
    titles = rows.all_inner_texts()
    assert any(deal in row for row in titles) and any(show in row for row in titles)
    show_row = page.locator("[data-test=listing]", has_text=show)
    assert show_row.get_attribute("data-status") == "scheduled"
    assert word("biz.status.scheduled", lang) in show_row.inner_text()
    listing = httpx.get(
        f"{site.url}/api/catalog/listings/{show_row.get_attribute('data-id')}", timeout=10
    ).json()
    session = listing["performance"]["sessions"][0]
    assert session["seat_count"] == 12 and session["prices"] == {"VIP": 100000, "R": 70000}
    deal_row = page.locator("[data-test=listing]", has_text=deal)
    sale = httpx.get(
        f"{site.url}/api/catalog/listings/{deal_row.get_attribute('data-id')}", timeout=10
    ).json()
    opens, closes = (datetime.fromisoformat(sale[k]).astimezone(KST) for k in WINDOW)
    assert (opens.hour, closes.hour) == (20, 22) and opens.date() == closes.date()
    change_and_unpublish(page, lang, deal)
    shot(page, shots, "business", lang)


def change_and_unpublish(page: Any, lang: str, deal: str) -> None:
    """The deal's basics change on its edit page; unpublished, it goes back to a draft."""
    row = page.locator("[data-test=listing]", has_text=deal)
    row.get_by_role("link", name=word("biz.listings.edit", lang)).click()
    page.fill("#f-title", f"{deal} v2")
    page.fill("#f-deal_price", "14000")
    page.click("[data-test=save-listing]")
    page.wait_for_url(re.compile(r"/business/listings\?flash="))
    row = page.locator("[data-test=listing]", has_text=f"{deal} v2")
    assert "14,000" in row.inner_text()
    row.locator("[data-test=unpublish]").click()
    page.wait_for_url(re.compile(r"/business/listings\?flash="))
    assert word("biz.listings.unpublished", lang) in page.inner_text("main")
    row = page.locator("[data-test=listing]", has_text=f"{deal} v2")
    assert row.get_attribute("data-status") == "draft"
    assert row.locator("[data-test=publish]").count() == 1


def test_a_bad_listing_shows_the_problem_on_the_form(
    new_page: Any, browser: Any, site: Site, lang: str
) -> None:
    page = new_page
    log_in(page, *DEMO["shop1"])
    page.goto("/business/listings/new?kind=deal")
    page.fill("#f-title", "Too dear")
    page.fill("#f-opens_at", local_time(24))
    page.fill("#f-closes_at", local_time(48))
    page.fill("#f-list_price", "1000")
    page.fill("#f-deal_price", "5000")
    page.fill("#f-stock", "1")
    page.click("[data-test=create-listing]")
    alert = page.get_by_role("alert")
    assert alert.count() == 1 and "deal_price" in alert.inner_text()
    assert page.input_value("#f-title") == "Too dear"


def test_a_ticket_that_is_not_there_is_refused_at_the_door(new_page: Any, lang: str) -> None:
    page = new_page
    log_in(page, *DEMO["shop2"])
    page.goto("/business/orders")
    page.fill("#f-scanned", f"https://stampede.example/checkin/{uuid.uuid4()}?code=not-it")
    with page.expect_response(lambda r: r.url.endswith("/business/orders/checkin")) as caught:
        page.click("[data-test=checkin]")
    answer = caught.value
    assert answer.status == 404
    assert page.get_by_role("alert").count() == 1
    assert page.locator("[data-test=checkin-form]").count() == 1
