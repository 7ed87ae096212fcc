"""The waiting room's live position as server-sent events from the web: the place while the
buyer waits, then the admission, and the stream ends; guests are sent to log in."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.web.site import DEMO, PASSWORD, Site, new_email, sign_up

SLOW = 0.01  # admissions a second: almost nobody until the test resets the rate


def api_token(site: Site, who: str) -> dict[str, str]:
    email, password = DEMO[who]
    pair = httpx.post(f"{site.url}/api/identity/login", json={"email": email, "password": password})
    return {"authorization": f"Bearer {pair.json()['access_token']}"}


def newcomer(site: Site) -> dict[str, str]:
    """A member who has never queued, signed up just now through the API."""
    account = {"email": new_email("ahead"), "password": PASSWORD}
    signed = httpx.post(f"{site.url}/api/identity/signup", json={**account, "name": "Ahead"})
    assert signed.status_code == 201, signed.text
    pair = httpx.post(f"{site.url}/api/identity/login", json=account).json()
    return {"authorization": f"Bearer {pair['access_token']}"}


def waiting_room_sales(site: Site) -> list[str]:
    params: dict[str, str | int] = {"kind": "performance", "status": "open", "limit": 50}
    items = httpx.get(f"{site.url}/api/catalog/listings", params=params).json()["items"]
    found = []
    for item in items:
        detail = httpx.get(f"{site.url}/api/catalog/listings/{item['id']}").json()
        if detail["performance"]["waiting_room"]:
            found.append(str(item["id"]))
    return found


@pytest.fixture
def slow_sale(site: Site) -> Iterator[str]:
    """A waiting-room sale that admits almost nobody until the test speeds it up, with the
    admin already in its queue."""
    listing_id = waiting_room_sales(site)[-1]
    admin = api_token(site, "admin")
    rate = f"{site.url}/api/sales/{listing_id}/queue/rate"
    deadline = time.monotonic() + 60  # the demo's sales are set up in the background
    while httpx.put(rate, json={"rate_per_s": SLOW}, headers=admin).status_code != 204:
        assert time.monotonic() < deadline, f"sales does not know {listing_id}"
        time.sleep(0.5)
    # The bucket may still hold the admission it saved up at the default rate (the site's burst
    # is 1), which would let the next entrant straight in: a newcomer takes it, or waits ahead.
    ahead = httpx.post(f"{site.url}/api/sales/{listing_id}/queue", headers=newcomer(site))
    assert ahead.status_code in (200, 201), ahead.text
    yield listing_id
    httpx.put(rate, json={"rate_per_s": None}, headers=admin)


def logged_in(site: Site, who: str) -> httpx.Client:
    client = httpx.Client(base_url=site.url, timeout=20)
    client.get("/login")
    email, password = DEMO[who]
    form = {"csrf_token": client.cookies["st_csrf"], "email": email, "password": password}
    assert client.post("/login", data={**form, "next": "/"}).status_code == 303
    return client


def events(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    for line in lines:
        if line.startswith("data: "):
            yield json.loads(line[len("data: ") :])


def test_the_place_streams_until_the_buyer_is_admitted(site: Site, slow_sale: str) -> None:
    client = logged_in(site, "minji")
    try:
        entered = client.post(
            f"/sales/{slow_sale}/queue", data={"csrf_token": client.cookies["st_csrf"]}
        )
        assert entered.status_code == 303
        ticket = entered.headers["location"].rsplit("/", 1)[-1]
        with client.stream("GET", f"/sales/queue/{ticket}/events") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            places = events(stream.iter_lines())
            first = next(places)
            assert first["admitted"] is False and first["position"] >= 1
            admin = api_token(site, "admin")
            rate = f"{site.url}/api/sales/{slow_sale}/queue/rate"
            httpx.put(rate, json={"rate_per_s": None}, headers=admin)
            assert any(place["admitted"] for place in places)
            assert "admission_token" not in first
    finally:
        client.close()


def test_a_guest_is_sent_to_log_in(site: Site) -> None:
    answer = httpx.get(f"{site.url}/sales/queue/some-ticket/events")
    assert answer.status_code == 303 and "/login?next=" in answer.headers["location"]


@pytest.mark.parametrize("live", ["stream", "poll"])
def test_the_room_shows_the_place_then_moves_on_when_admitted(
    new_page: Any, site: Site, slow_sale: str, live: str
) -> None:
    """In the browser: the place while waiting, then the buy form once admitted, through
    server-sent events, or by polling where the browser has no EventSource."""
    page = new_page
    if live == "poll":
        page.add_init_script("delete window.EventSource;")
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    sign_up(page, site, "room")
    page.goto(f"/listings/{slow_sale}")
    page.click("[data-test=queue]")
    page.locator("[data-test=waiting-room]").wait_for()
    assert int(page.locator("[data-test=position]").inner_text()) >= 1
    httpx.put(
        f"{site.url}/api/sales/{slow_sale}/queue/rate",
        json={"rate_per_s": None},
        headers=api_token(site, "admin"),
    )
    page.locator("[data-test=admitted]").wait_for(timeout=30_000)
    assert f"/listings/{slow_sale}" in page.url
    streamed = any(url.endswith("/events") for url in asked)
    polled = any(url.endswith("/place") for url in asked)
    assert (streamed, polled) == ((True, False) if live == "stream" else (False, True))
