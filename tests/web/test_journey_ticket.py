"""The ticket booking journey: a new buyer opens a performance on sale, waits their turn in
its waiting room, picks a seat, pays on the provider's page, and finds the ticket with its QR
code on their order page."""

from __future__ import annotations

import random
import re
import time
from pathlib import Path
from typing import Any

import httpx

from stampede.web.domain.words import WORDS
from tests.web.site import Site, shot, sign_up


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
    new_page: Any, site: Site, lang: str, shots: Path
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
    shot(page, shots, "ticket", lang)
    page.goto(f"/listings/{show['id']}")  # the next buyer's seat map shows it taken
    page.click("[data-test=queue]")
    page.locator("[data-test=admitted]").wait_for(timeout=45_000)  # admitted: the seat map
    assert page.locator(f"[data-test=seat][value='{seat_id}']").is_disabled()
