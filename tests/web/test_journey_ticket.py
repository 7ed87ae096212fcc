"""The ticket booking journey: a new buyer opens a performance on sale, waits their turn in
its waiting room, picks a seat, pays on the provider's page, and finds the ticket with its QR
code on their order page; the next buyer sees the seat taken; at the door the QR code checks
the ticket in once, and the order page shows it."""

from __future__ import annotations

import random
import re
import time
from pathlib import Path
from typing import Any

import httpx

from stampede.web.domain.words import WORDS
from tests.web.site import DEMO, Site, log_in, shot, sign_up


def word(key: str, lang: str) -> str:
    ko, en = WORDS[key]
    return ko if lang == "ko" else en


def performance_with_waiting_room(site: Site) -> dict[str, Any]:
    """An open performance whose sale has a waiting room (read from the API, setup only)."""
    params: dict[str, str | int] = {"kind": "performance", "status": "open", "limit": 50}
    items = httpx.get(f"{site.url}/api/catalog/listings", params=params).json()["items"]
    for item in items:
        detail = httpx.get(f"{site.url}/api/catalog/listings/{item['id']}").json()
        if detail["performance"]["waiting_room"]:
            return dict(detail)
    raise AssertionError("the demo data has no open performance with a waiting room")


def reload_until(page: Any, selector: str, timeout_s: float = 20) -> None:
    """Reload the page until ``selector`` shows (the order moves on in the background)."""
    deadline = time.monotonic() + timeout_s
    while page.locator(selector).count() == 0:
        assert time.monotonic() < deadline, f"{selector} did not show on {page.url}"
        time.sleep(0.5)
        page.reload()


def test_a_buyer_books_a_seat_and_gets_a_ticket(
    new_page: Any, browser: Any, site: Site, lang: str, shots: Path
) -> None:
    page = new_page
    show = performance_with_waiting_room(site)
    sign_up(page, site, "ticket")
    page.goto(f"/listings/{show['id']}")
    page.click("[data-test=queue]")
    page.locator("[data-test=admitted]").wait_for(timeout=45_000)  # admitted: the seat map
    assert page.locator("[data-test=admitted]").inner_text() == word("checkout.admitted", lang)
    seats = page.locator("[data-test=seat]:not([disabled])")
    picked = seats.nth(random.randrange(seats.count()))
    seat_id = picked.get_attribute("value")
    picked.check()
    page.click("[data-test=buy]")
    page.wait_for_url(re.compile(r"/checkout/[0-9a-f-]{36}$"))
    assert page.locator("[data-test=total]").inner_text().strip() != ""
    page.click("[data-test=place-order]")
    page.wait_for_url(re.compile(r"/checkout/orders/.+/pay"))
    assert page.locator("[data-test=pay-qr]").evaluate("img => img.naturalWidth") > 0
    page.click("[data-test=pay-provider]")
    page.click("button.approve")
    page.wait_for_url(re.compile(r"/my/orders/[0-9a-f-]{36}"))
    assert page.locator(".flash[role=status]").inner_text() == word("checkout.paid", lang)
    reload_until(page, "[data-test=ticket-qr]")
    assert page.locator("[data-test=order-status]").first.get_attribute("data-status") in (
        "PAID",
        "CONFIRMED",
    )
    qr = page.locator("[data-test=ticket-qr]")
    assert qr.first.evaluate("img => img.naturalWidth") > 0
    order_page = page.url
    ticket_id = str(qr.first.get_attribute("src")).split("/my/tickets/")[1].split("/")[0]
    page.goto(f"/listings/{show['id']}")  # the next buyer's seat map shows it taken
    page.click("[data-test=queue]")
    page.locator("[data-test=admitted]").wait_for(timeout=45_000)  # admitted: the seat map
    assert page.locator(f"[data-test=seat][value='{seat_id}']").is_disabled()
    check_in_at_the_door(browser, site, lang, ticket_id)
    page.goto(order_page)
    reload_until(page, "[data-test=ticket][data-state=checked_in]")
    shot(page, shots, "ticket", lang)


def check_in_at_the_door(browser: Any, site: Site, lang: str, ticket_id: str) -> None:
    """The door staff scans the ticket's QR code and confirms the check-in; a second scan of
    the same code is refused."""
    door = site.person(browser, lang)
    try:
        log_in(door, *DEMO["admin"])
        door.goto(site.checkin_link(ticket_id))
        door.click("[data-test=checkin]")
        door.wait_for_url(re.compile(r"/business/orders\?flash="))
        door.goto(site.checkin_link(ticket_id))
        door.click("[data-test=checkin]")
        assert door.get_by_role("alert").count() == 1  # already used
    finally:
        door.context.close()
