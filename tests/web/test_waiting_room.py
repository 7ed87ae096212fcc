"""The waiting room's live position as server-sent events from the web: the place while the
buyer waits, then the admission, and the stream ends; guests are sent to log in."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.web.site import DEMO, Site

SLOW = 0.01  # admissions a second: almost nobody until the test resets the rate


def api_token(site: Site, who: str) -> dict[str, str]:
    email, password = DEMO[who]
    pair = httpx.post(f"{site.url}/api/identity/login", json={"email": email, "password": password})
    return {"authorization": f"Bearer {pair.json()['access_token']}"}


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
    # The bucket may still hold an admission saved up at the default rate, which would let the
    # next entrant straight in: someone who came first takes it, or waits ahead of the buyer.
    ahead = httpx.post(f"{site.url}/api/sales/{listing_id}/queue", headers=admin)
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
