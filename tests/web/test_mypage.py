"""My page in Korean and English: a new buyer's empty orders, the profile (default address and
language) and notification settings kept, the login round trip, and a real order — bought
through the public API — with its status, timeline, refund, inbox notice and privacy."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from stampede.web.domain.i18n import translate
from tests.web.site import DEMO, PASSWORD, Site, shot, sign_up

ADDRESS = {
    "recipient": "김민지",
    "phone": "010-1234-5678",
    "postcode": "04524",
    "line1": "서울특별시 중구 세종대로 110",
    "line2": "3층",
}
SETTLE_S = 20.0


def reload_until(page: Any, done: Callable[[], bool], timeout_s: float = SETTLE_S) -> None:
    """Reload ``page`` until ``done`` says what it shows has arrived (the API is event-driven)."""
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, page.inner_text("main")[:1000]
        time.sleep(0.5)
        page.reload()


def test_a_new_user_sees_an_empty_my_page(new_page: Any, site: Site, lang: str) -> None:
    page = new_page
    sign_up(page, site, "my-empty")
    page.goto("/my")
    assert page.locator("h1").inner_text() == translate(lang, "my.title")
    assert translate(lang, "my.orders.empty") in page.inner_text("[data-test=no-orders]")
    assert page.locator("[data-test=order]").count() == 0
    page.click("[data-test=kind-car]")
    page.wait_for_url(re.compile(r"/my\?kind=car$"))
    assert page.locator("h2").first.inner_text() == translate(lang, "my.kind.car")
    assert page.locator("[data-test=no-orders]").count() == 1


def test_profile_keeps_the_default_address_and_language(
    new_page: Any, site: Site, lang: str, shots: Path
) -> None:
    page = new_page
    sign_up(page, site, "my-profile")
    other = "en" if lang == "ko" else "ko"
    page.goto("/my/profile")
    page.fill("#f-phone", "not a phone")
    page.fill("#f-recipient", ADDRESS["recipient"])
    page.click("button[data-test=save]")
    assert page.get_by_role("alert").count() == 1
    assert page.input_value("#f-recipient") == ADDRESS["recipient"]  # kept on the form
    for name, value in ADDRESS.items():
        page.fill(f"#f-{name}", value)
    page.fill("#f-name", "새 이름")
    page.select_option("#f-locale", other)
    page.click("button[data-test=save]")
    page.wait_for_url(re.compile(r"/my/profile\?flash="))
    assert translate(other, "my.profile.saved") in page.inner_text("[role=status]")
    page.goto("/my/profile")
    assert page.locator("html").get_attribute("lang") == other
    assert page.input_value("#f-locale") == other and page.input_value("#f-name") == "새 이름"
    assert {name: page.input_value(f"#f-{name}") for name in ADDRESS} == ADDRESS
    shot(page, shots, "mypage-profile", lang)


def test_preferences_keep_a_topic_turned_off(new_page: Any, site: Site, lang: str) -> None:
    page = new_page
    sign_up(page, site, "my-prefs")
    page.goto("/my/preferences")
    fixed = page.locator("[data-test=pref-account-email]")
    assert fixed.is_disabled() and fixed.is_checked()
    box = page.get_by_label(
        translate(
            lang,
            "my.channel.label",
            topic=translate(lang, "my.topic.deal_alerts"),
            channel=translate(lang, "my.channel.email"),
        )
    )
    assert box.is_checked()
    box.uncheck()
    page.click("button[data-test=save]")
    page.wait_for_url(re.compile(r"/my/preferences\?flash="))
    page.goto("/my/preferences")
    assert not page.locator("[data-test=pref-deal_alerts-email]").is_checked()
    assert page.locator("[data-test=pref-deal_alerts-inbox]").is_checked()
    assert page.locator("[data-test=pref-account-email]").is_checked()


def test_a_page_that_needs_login_comes_back_after_it(new_page: Any, site: Site, lang: str) -> None:
    page = new_page
    address = sign_up(page, site, "my-back")
    page.context.clear_cookies()
    page.goto("/my/inbox")
    page.wait_for_url(re.compile(r"/login\?next=(/|%2F)my(/|%2F)inbox$"))
    page.fill("#f-email", address)
    page.fill("#f-password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r"/my/inbox$"))
    assert page.locator("h1").inner_text() == translate(lang, "my.inbox.title")


# A real order, bought through the public API as a browser-less client would.


def _api(site: Site, address: str, password: str = PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=site.url, timeout=15)
    tokens = httpx.post(
        f"{site.url}/api/identity/login",
        json={"email": address, "password": password},
        timeout=15,
    )
    assert tokens.status_code == 200, tokens.text
    client.headers["authorization"] = f"Bearer {tokens.json()['access_token']}"
    return client


def _post(client: httpx.Client, path: str, body: Any, want: int = 201) -> dict[str, Any]:
    """A POST that must answer ``want``; a 503 (a context still learning) is asked again."""
    deadline = time.monotonic() + SETTLE_S
    while (reply := client.post(path, json=body)).status_code == 503:
        assert time.monotonic() < deadline, reply.text
        time.sleep(0.5)
    assert reply.status_code == want, f"{path}: {reply.status_code} {reply.text}"
    found: dict[str, Any] = reply.json()
    return found


def _hold_a_deal(client: httpx.Client) -> dict[str, Any]:
    """A hold of one piece of the first open deal that has one for us."""
    listed = client.get("/api/catalog/listings", params={"kind": "deal", "status": "open"})
    assert listed.status_code == 200, listed.text
    for listing in listed.json()["items"][:10]:
        reply = client.post("/api/sales/holds", json={"listing_id": listing["id"], "quantity": 1})
        if reply.status_code == 201:
            return dict(reply.json())
    raise AssertionError("no open deal could be held")


def _approve(client: httpx.Client, site: Site, payment: dict[str, Any]) -> None:
    """Press Approve on the provider's page, then hand payment the ``pg_token``."""
    page_url = str(payment["redirect_url"])
    page_url = page_url if page_url.startswith("http") else site.url + page_url
    pressed = httpx.post(page_url.split("?", 1)[0] + "/approve", timeout=15)
    assert pressed.status_code == 303, pressed.text
    token = re.search(r"pg_token=([^&]+)", pressed.headers["location"])
    assert token, pressed.headers["location"]
    path = f"/api/payment/payments/{payment['payment_id']}/approve?mode=sync"
    _post(client, path, {"pg_token": token.group(1)}, want=200)


def _hold_a_seat(client: httpx.Client) -> dict[str, Any]:
    """A hold of one free seat of an open performance without a waiting room."""
    listed = client.get("/api/catalog/listings", params={"kind": "performance", "status": "open"})
    assert listed.status_code == 200, listed.text
    for listing in listed.json()["items"][:10]:
        show = client.get(f"/api/catalog/listings/{listing['id']}").json()["performance"]
        if show["waiting_room"]:
            continue
        rows = [row for section in show["sessions"][0]["sections"] for row in section["rows"]]
        for seat in random.sample([seat for row in rows for seat in row["seats"]], 5):
            body = {"listing_id": listing["id"], "seat_ids": [seat["id"]]}
            reply = client.post("/api/sales/holds", json=body)
            if reply.status_code == 201:
                return dict(reply.json())
    raise AssertionError("no open performance had a free seat")


def paid_order(site: Site, address: str, kind: str = "deal") -> str:
    """A deal (or a seat of a performance) ordered and paid by ``address``: the order's id."""
    client = _api(site, address)
    try:
        hold = _hold_a_deal(client) if kind == "deal" else _hold_a_seat(client)
        body = {"hold_id": hold["hold_id"], "shipping_address": " ".join(ADDRESS.values())}
        order = _post(client, "/api/ordering/orders", body)
        payment = _post(client, "/api/payment/payments", {"order_id": order["order_id"]})
        _approve(client, site, payment)
    finally:
        client.close()
    return str(order["order_id"])


def _status(page: Any) -> str:
    return str(page.get_attribute("[data-test=order-status]", "data-status"))


def test_an_order_page_shows_status_timeline_and_refund(
    new_page: Any, site: Site, lang: str, browser: Any, shots: Path
) -> None:
    page = new_page
    address = sign_up(page, site, "my-order")
    order_id = paid_order(site, address)
    page.goto("/my")
    assert page.locator("[data-test=order]").count() == 1
    page.click(f"[data-order-id='{order_id}'] h3 a")
    page.wait_for_url(re.compile(f"/my/orders/{order_id}$"))
    reload_until(page, lambda: _status(page) in ("PAID", "CONFIRMED"))
    shown = page.locator("[data-test=order-status]")
    assert shown.inner_text() == translate(lang, f"status.{_status(page)}")
    entries = page.locator("[data-test=timeline-entry]")
    assert entries.count() >= 2
    placed = page.locator("[data-test=timeline-entry][data-what=order_placed]")
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", placed.inner_text())
    shot(page, shots, "mypage-order", lang)

    stranger = site.person(browser, lang)
    sign_up(stranger, site, "my-stranger")
    answer = stranger.goto(f"/my/orders/{order_id}")
    assert answer is not None and answer.status == 404
    assert stranger.locator("[data-test=order-status]").count() == 0
    stranger.context.close()

    page.click("[data-test=refund]")
    page.wait_for_url(re.compile(rf"/my/orders/{order_id}\?flash="))
    assert translate(lang, "my.refund.done") in page.inner_text("[role=status]")
    reload_until(page, lambda: _status(page) == "CANCELLED")
    assert page.locator("[data-test=order-status]").inner_text() == translate(
        lang, "status.CANCELLED"
    )
    assert page.locator("[data-test=refund], [data-test=cancel-order]").count() == 0


def test_the_inbox_tells_of_an_order_and_marks_it_read(
    new_page: Any, site: Site, lang: str
) -> None:
    page = new_page
    address = sign_up(page, site, "my-inbox")
    page.goto("/my/inbox")
    assert page.locator("[data-test=notice]").count() == 0
    assert page.get_attribute("[data-test=unread]", "data-count") == "0"
    paid_order(site, address)
    reload_until(page, lambda: page.locator("[data-test=notice]").count() > 0)
    unread = int(page.get_attribute("[data-test=unread]", "data-count") or "0")
    assert unread >= 1
    assert translate(lang, "my.inbox.unread", count=unread) in page.inner_text("main")
    page.locator("[data-test=notice][data-read=false] [data-test=mark-read]").first.click()
    page.wait_for_url(re.compile(r"/my/inbox$"))
    assert page.get_attribute("[data-test=unread]", "data-count") == str(unread - 1)


def test_a_ticket_shows_its_qr_code_to_its_buyer_only(
    new_page: Any, site: Site, lang: str, browser: Any
) -> None:
    page = new_page
    address = sign_up(page, site, "my-ticket")
    order_id = paid_order(site, address, kind="performance")
    page.goto(f"/my/orders/{order_id}")
    reload_until(page, lambda: page.locator("[data-test=ticket-qr]").count() == 1)
    qr = page.locator("[data-test=ticket-qr]")
    assert qr.get_attribute("alt") and qr.evaluate("image => image.naturalWidth") > 0
    src = str(qr.get_attribute("src"))
    image = page.request.get(src)
    assert image.status == 200 and image.headers["content-type"].startswith("image/svg+xml")
    assert "no-store" in image.headers["cache-control"]
    stranger = site.person(browser, lang)
    sign_up(stranger, site, "my-peek")
    assert stranger.request.get(src).status == 404
    stranger.context.close()


def _deliver(site: Site, order_id: str, buyer: str) -> None:
    """The seller's side, as an admin: ship and deliver the order's goods."""
    with _api(site, buyer) as mine:
        delivery = _settled(lambda: mine.get(f"/api/mypage/orders/{order_id}").json()["delivery"])
    with _api(site, *DEMO["admin"]) as admin:
        for step in ("ship", "deliver"):
            _post(admin, f"/api/fulfilment/deliveries/{delivery['delivery_id']}/{step}", None, 200)


def _settled(read: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + SETTLE_S
    while not (found := read()) or not found.get("delivery_id"):
        assert time.monotonic() < deadline, found
        time.sleep(0.5)
    return found


def test_a_completed_order_can_be_reviewed_with_the_keyboard(
    new_page: Any, site: Site, lang: str
) -> None:
    page = new_page
    address = sign_up(page, site, "my-review")
    order_id = paid_order(site, address)
    _deliver(site, order_id, address)
    page.goto(f"/my/orders/{order_id}")
    reload_until(page, lambda: page.locator("[data-test=write-review]").count() == 1)
    assert _status(page) == "COMPLETED"
    page.click("[data-test=write-review]")
    page.wait_for_url(re.compile(rf"/my/reviews/new\?order_id={order_id}$"))
    page.focus("[data-test=star-5]")
    page.keyboard.press("ArrowLeft")
    assert page.is_checked("[data-test=star-4]")
    page.fill("#f-body", "빨리 왔어요 / Quick delivery")
    page.click("[data-test=post-review]")
    page.wait_for_url(re.compile(rf"/my/orders/{order_id}\?flash="))
    assert translate(lang, "my.review.done") in page.inner_text("[role=status]")
    assert page.locator("[data-test=write-review]").count() == 0
    again = page.goto(f"/my/reviews/new?order_id={order_id}")
    assert again is not None and again.status == 404
