"""The time deal journey: a buyer likes a deal that opens soon, the alert before its opening
reaches their inbox, and once it opens they wait their turn, buy, pay on the provider's page,
and get their money back from their order page.

The seller's part (a new deal about to open, then opening it) goes through the public API; every
step of the buyer goes through the pages.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from stampede.web.domain.words import WORDS
from tests.web.site import DEMO, Site, shot, sign_up

ALERT_LEAD = timedelta(hours=1)  # the alert a liker gets before a deal opens


def word(key: str, lang: str) -> str:
    ko, en = WORDS[key]
    return ko if lang == "ko" else en


class Seller:
    """The demo business shop1, through the public API."""

    def __init__(self, site: Site) -> None:
        self.client = httpx.Client(base_url=site.url, timeout=10)
        email, password = DEMO["shop1"]
        login = self.client.post("/api/identity/login", json={"email": email, "password": password})
        login.raise_for_status()
        self.client.headers["authorization"] = f"Bearer {login.json()['access_token']}"

    def new_deal(self, title: str, opens_in: timedelta) -> str:
        """A published deal with a waiting room opening after ``opens_in``; its id."""
        opens = datetime.now(UTC) + opens_in
        body = {
            "kind": "deal",
            "title": title,
            "category": "digital",
            "description": "journey deal",
            "list_price": 20000,
            "deal_price": 9900,
            "stock": 5,
            "per_user_limit": 2,
            "waiting_room": True,
            "opens_at": opens.isoformat(),
            "closes_at": (opens + timedelta(hours=3)).isoformat(),
        }
        created = self.client.post("/api/catalog/listings", json=body)
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    def open_now(self, listing_id: str) -> None:
        """Move the opening to now; the scheduler opens the sale."""
        opens = (datetime.now(UTC) - timedelta(seconds=5)).isoformat()
        changed = self.client.patch(f"/api/catalog/listings/{listing_id}", json={"opens_at": opens})
        assert changed.status_code == 200, changed.text


@pytest.fixture
def seller(site: Site) -> Iterator[Seller]:
    chosen = Seller(site)
    yield chosen
    chosen.client.close()


def reload_until(page: Any, selector: str, timeout_s: float = 40) -> None:
    """Reload the page until ``selector`` shows (things move on in the background)."""
    deadline = time.monotonic() + timeout_s
    while page.locator(selector).count() == 0:
        assert time.monotonic() < deadline, f"{selector} did not show on {page.url}"
        time.sleep(1)
        page.reload()


def enter_waiting_room(page: Any, listing_id: str, tries: int = 5) -> None:
    """Press the waiting-room button once the sale has opened everywhere (the sale's opening
    reaches the waiting room a moment after the catalog shows it open)."""
    problems = []
    for _ in range(tries):
        page.goto(f"/listings/{listing_id}")
        reload_until(page, "[data-test=queue]", timeout_s=20)
        page.click("[data-test=queue]")
        page.locator(
            "[data-test=waiting-room], [data-test=admitted], #form-errors"
        ).first.wait_for()
        if "/queue" not in page.url or page.locator("#form-errors").count() == 0:
            return
        problems.append(page.locator("#form-errors").inner_text())
        time.sleep(1)
    raise AssertionError(f"could not enter the waiting room: {problems}")


def test_a_liked_deal_alerts_then_sells_and_refunds(
    new_page: Any, site: Site, lang: str, shots: Path, seller: Seller
) -> None:
    page = new_page
    sign_up(page, site, "deal")
    title = f"Journey deal {uuid.uuid4().hex[:6]}"
    deal_id = seller.new_deal(title, ALERT_LEAD + timedelta(seconds=15))
    page.goto(f"/listings/{deal_id}")
    assert page.locator("[data-test=listing]").get_attribute("data-status") == "scheduled"
    page.click("[data-test=like]")
    page.locator("[data-test=unlike]").wait_for()

    page.goto("/my/inbox")
    reload_until(page, "[data-test=notice][data-kind=deal_alert]")
    assert title in page.locator("[data-test=notice][data-kind=deal_alert]").first.inner_text()

    seller.open_now(deal_id)
    enter_waiting_room(page, deal_id)
    page.locator("[data-test=admitted]").wait_for(timeout=45_000)  # admitted: the buy form
    page.fill("#f-quantity", "2")
    page.click("[data-test=buy]")
    page.wait_for_url(re.compile(r"/checkout/[0-9a-f-]{36}$"))
    assert page.locator("[data-test=total]").inner_text() == word("money.won", lang).format(
        amount="19,800"
    )
    page.fill("#f-shipping_address", "홍길동 010-1234-5678 04524 서울 중구 세종대로 110")
    page.click("[data-test=place-order]")
    page.wait_for_url(re.compile(r"/checkout/orders/.+/pay"))
    page.click("[data-test=pay-provider]")
    page.click("button.approve")
    page.wait_for_url(re.compile(r"/my/orders/[0-9a-f-]{36}"))

    reload_until(page, "[data-test=refund]", timeout_s=20)
    page.click("[data-test=refund]")
    reload_until(page, "[data-test=order-status][data-status=CANCELLED]", timeout_s=20)
    paid_back = word("money.won", lang).format(amount="19,800")
    reload_until(page, f"[data-test=refunded]:text-is('{paid_back}')", timeout_s=20)
    assert (
        word("my.payment.refunded_state", lang) in page.locator("[data-test=payment]").inner_text()
    )
    shot(page, shots, "deal", lang)
