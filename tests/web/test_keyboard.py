"""Checkout with the keyboard alone: from a phone's page through the order review and the
provider's page to the paid order, with Tab to move and Enter to act — every step is reachable
in the focus order and works without a mouse."""

from __future__ import annotations

import re
import time
from typing import Any

from tests.web.site import Site, sign_up
from tests.web.test_journey_phone import ADDRESS, phone_with_units, status_of

MOST_TABS = 80


def tab_to(page: Any, selector: str) -> None:
    """Press Tab until ``selector`` has the focus (fails when the focus order never gets
    there)."""
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} is not in the focus order of {page.url}")


def enter(page: Any) -> None:
    """Press Enter on the focused control and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def hold_by_keyboard(page: Any, listing_id: str, timeout_s: float = 30) -> None:
    """Buy from the listing page until the checkout opens (right after start-up the sales
    context may not know the listing yet and the page says so)."""
    deadline = time.monotonic() + timeout_s
    while True:
        page.goto(f"/listings/{listing_id}")
        tab_to(page, "[data-test=buy]")
        enter(page)
        if re.search(r"/checkout/[0-9a-f-]+$", page.url):
            return
        assert time.monotonic() < deadline, page.locator("[role=alert]").all_inner_texts()
        time.sleep(1)


def test_checkout_works_with_the_keyboard_alone(new_page: Any, site: Site) -> None:
    page = new_page
    listing_id, _ = phone_with_units(site, 1)
    sign_up(page, site, "keys")
    hold_by_keyboard(page, listing_id)
    tab_to(page, "#f-shipping_address")
    page.keyboard.type(ADDRESS)
    tab_to(page, "[data-test=place-order]")
    enter(page)
    assert re.search(r"/checkout/orders/[0-9a-f-]+/pay", page.url), page.url
    if page.locator("[data-test=start-payment]").count():
        tab_to(page, "[data-test=start-payment]")
        enter(page)
    tab_to(page, "[data-test=pay-provider]")
    enter(page)
    assert "/fakepg/pay/" in page.url
    tab_to(page, "button.approve")
    enter(page)
    page.wait_for_url(re.compile(r"/my/orders/[0-9a-f-]{36}"))
    deadline = time.monotonic() + 20  # the order moves on as payment's events arrive
    while status_of(page) not in ("PAID", "CONFIRMED"):
        assert time.monotonic() < deadline, status_of(page)
        time.sleep(0.5)
        page.reload()
