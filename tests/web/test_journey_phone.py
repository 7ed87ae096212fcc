"""The phone shop: a new buyer orders a phone at a shop and pays at the provider's page; the
shop's business ships it and the buyer sees it shipped; the buyer cancels a second order and
its unit is on sale again."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.web.site import DEMO, Site, log_in, shot, sign_up
from tests.web.test_journey_business import word

ADDRESS = "서울 강남구 테헤란로 1, 101호"


def phone_with_units(site: Site, units: int) -> tuple[str, str]:
    """A published phone with ``units`` free now at one shop (sales' availability): (listing
    id, shop id)."""
    deadline = time.monotonic() + 60  # right after start-up sales may not know them yet
    with httpx.Client(base_url=site.url, timeout=15) as client:
        while time.monotonic() < deadline:
            phones = client.get("/api/catalog/listings", params={"kind": "device", "limit": 50})
            for summary in phones.json()["items"]:
                left = client.get(f"/api/sales/{summary['id']}/availability").json()
                for shop_id, free in left.get("units_free", {}).items():
                    if free >= units:
                        return str(summary["id"]), str(shop_id)
            time.sleep(1)
    raise AssertionError("no phone with enough units")


def eventually(check: Callable[[], bool], page: Any, timeout_s: float = 20) -> None:
    """Reload ``page`` until ``check`` holds (the platform works asynchronously)."""
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"not in time: {page.url}"
        time.sleep(0.5)
        page.reload()


def status_of(page: Any) -> str:
    return str(page.locator("[data-test=order-status]").first.get_attribute("data-status"))


def pay_at_provider(page: Any) -> str:
    """From the pay page through the provider's approval back to the order; its id."""
    page.wait_for_url(re.compile(r"/checkout/orders/[0-9a-f-]+/pay"))
    order_id = str(page.url).split("/checkout/orders/")[1].split("/")[0]
    if page.locator("[data-test=start-payment]").count():
        page.click("[data-test=start-payment]")
        page.wait_for_load_state()
    provider = page.locator("[data-test=pay-provider], [data-test=pay]").first
    provider.click()
    page.wait_for_load_state()
    page.click("button.approve")
    page.wait_for_url(re.compile(rf"/my/orders/{order_id}"))
    return order_id


def hold(page: Any, listing_id: str, choose: Callable[[], None], timeout_s: float = 30) -> None:
    """Hold on the listing page until the checkout opens (right after start-up the sales
    context may not know every listing yet: the page says so, and a retry works later)."""
    deadline = time.monotonic() + timeout_s
    refusals = []
    while True:
        page.goto(f"/listings/{listing_id}")
        choose()
        page.click("[data-test=buy]")
        page.wait_for_load_state()
        if re.search(r"/checkout/[0-9a-f-]+$", page.url):
            return
        refusals.append(page.locator("[role=alert]").all_inner_texts())
        assert time.monotonic() < deadline, refusals
        time.sleep(1)


def order_phone(page: Any, listing_id: str, shop_id: str) -> str:
    """Hold a unit at ``shop_id``, place the order with an address, pay; the order's id."""
    hold(page, listing_id, lambda: page.check(f"input[name=shop_id][value='{shop_id}']"))
    if page.locator("#f-shipping_address").count():
        page.fill("#f-shipping_address", ADDRESS)
    page.click("[data-test=place-order]")
    return pay_at_provider(page)


def available(page: Any, listing_id: str) -> int:
    page.goto(f"/listings/{listing_id}")
    return int(page.inner_text("[data-test=available]").strip())


def ship(seller: Any, order_id: str, lang: str) -> None:
    seller.goto("/business/orders")
    row = f"[data-test=delivery][data-order='{order_id}']"
    eventually(lambda: seller.locator(row).count() == 1, seller)
    assert seller.get_attribute(row, "data-state") == "requested"
    seller.click(f"{row} [data-test=ship]")
    seller.wait_for_url(re.compile(r"/business/orders\?flash="))
    assert word("biz.orders.ship.done", lang) in seller.inner_text("main")
    assert seller.get_attribute(row, "data-state") == "shipped"


def open_shop(seller: Any) -> str:
    """A new shop of the seller's company, made on the shops page; its id."""
    name = f"Journey Shop {uuid.uuid4().hex[:6]}"
    seller.goto("/business/shops")
    seller.fill("#f-name", name)
    seller.fill("#f-region", "서울")
    seller.fill("#f-address", "서울 종로구 세종대로 1")
    seller.click("[data-test=add-shop]")
    seller.wait_for_url(re.compile(r"/business/shops\?flash="))
    return str(seller.locator("[data-test=shop]", has_text=name).get_attribute("data-id"))


def list_one_phone(seller: Any, shop_id: str) -> str:
    """A new phone listing with a single unit at ``shop_id``; its id."""
    title = f"Journey Phone {uuid.uuid4().hex[:6]}"
    seller.goto("/business/listings/new?kind=device")
    seller.fill("#f-title", title)
    seller.select_option("#f-shop_id", shop_id)
    seller.fill("#f-price", "990000")
    seller.fill("#f-serials", f"JRN-{uuid.uuid4().hex[:12]}")
    seller.click("[data-test=create-listing]")
    seller.wait_for_url(re.compile(r"/business/listings\?flash="))
    row = seller.locator("[data-test=listing]", has_text=title)
    assert row.get_attribute("data-status") == "published"
    return str(row.get_attribute("data-id"))


def cancel(page: Any, order_id: str) -> None:
    page.goto(f"/my/orders/{order_id}")
    eventually(lambda: page.locator("[data-test=cancel-order]").count() == 1, page)
    page.click("[data-test=cancel-order]")
    page.wait_for_load_state()
    page.goto(f"/my/orders/{order_id}")
    eventually(lambda: status_of(page) == "CANCELLED", page)


def test_buy_a_phone_ship_it_and_cancel_another(
    new_page: Any, browser: Any, site: Site, lang: str, shots: Path
) -> None:
    listing_id, shop_id = phone_with_units(site, 1)
    page = new_page
    sign_up(page, site, "phone", name="폰구매자")
    order_id = order_phone(page, listing_id, shop_id)
    eventually(lambda: status_of(page) in ("PAID", "CONFIRMED"), page)
    seller = site.person(browser, lang)
    try:
        log_in(seller, *DEMO["shop1"])
        ship(seller, order_id, lang)
        new_shop = open_shop(seller)
        single = list_one_phone(seller, new_shop)
    finally:
        seller.context.close()
    page.goto(f"/my/orders/{order_id}")
    eventually(lambda: status_of(page) == "SHIPPED", page)
    assert word("status.SHIPPED", lang) in page.inner_text("[data-test=order-status]")
    shot(page, shots, "phone", lang)

    def pick() -> None:
        page.check(f"input[name=shop_id][value='{new_shop}']")

    second = order_phone(page, single, new_shop)
    assert available(page, single) == 0
    cancel(page, second)
    eventually(lambda: available(page, single) == 1, page)  # the unit is on sale again
    hold(page, single, pick)
    let_go(page, site)


def let_go(page: Any, site: Site) -> None:
    """Give up the hold the checkout page shows, as the buyer (so later journeys start clean)."""
    hold_id = page.url.rstrip("/").rsplit("/", 1)[1]
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "st_access")
    headers = {"authorization": f"Bearer {token}"}
    answer = httpx.delete(f"{site.url}/api/sales/holds/{hold_id}", headers=headers, timeout=10)
    assert answer.status_code == 204
