"""Every page of guests, members, businesses and admins, checked in the browser for what
sighted users need: text that stands out from its background (WCAG 2 AA: 4.5:1, 3:1 for large
text) and, on a phone 375 px wide, nothing that makes the whole page scroll sideways (a wide seat
map or table scrolls inside its own box)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.web.legibility import FIND_FAINT_TEXT, FIND_OVERFLOW, PHONE
from tests.web.site import DEMO, Site, log_in

GUEST_PAGES = ["/", "/login", "/signup", "/search?q=", "/community", "/community/free"]
PAGES = {
    "guest": GUEST_PAGES,
    "minji": ["/my", "/my/inbox", "/my/preferences", "/my/profile", "/wishlist", "/alerts"],
    "shop1": [
        "/business",
        "/business/listings",
        "/business/listings/new",
        "/business/orders",
        "/business/sales",
        "/business/shops",
    ],
    "admin": ["/admin", "/admin/companies", "/admin/catalog", "/admin/reports"],
}


def listing_pages(site: Site) -> list[str]:
    """One listing page of each kind (a performance's has the seat map)."""
    with httpx.Client(base_url=site.url, timeout=10) as client:
        firsts = [
            client.get("/api/catalog/listings", params={"kind": kind}).json()["items"][0]
            for kind in ("deal", "performance", "device", "car")
        ]
    return [f"/listings/{item['id']}" for item in firsts]


def visit(page: Any, site: Site, who: str) -> list[str]:
    """Log ``who`` in (unless a guest); the pages they see."""
    if who == "guest":
        return PAGES["guest"] + listing_pages(site)
    log_in(page, *DEMO[who])
    return PAGES[who]


def problems_on(page: Any, paths: list[str], check: str) -> list[str]:
    found = []
    for path in paths:
        answer = page.goto(path)
        assert answer is not None and answer.status == 200, f"{path}: {answer and answer.status}"
        found += [f"{path}: {problem}" for problem in page.evaluate(check)]
    return found


@pytest.mark.parametrize("who", sorted(PAGES))
def test_text_stands_out_from_its_background(new_page: Any, site: Site, who: str) -> None:
    assert not problems_on(new_page, visit(new_page, site, who), FIND_FAINT_TEXT)


@pytest.mark.parametrize("who", sorted(PAGES))
def test_no_page_is_wider_than_a_phone(new_page: Any, site: Site, who: str) -> None:
    new_page.set_viewport_size(PHONE)
    assert not problems_on(new_page, visit(new_page, site, who), FIND_OVERFLOW)
