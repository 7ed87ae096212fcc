"""The business metrics on ``/metrics``: one flow through the embedded platform moves each.

The flow: two buyers sign up (verification mails), queue for a deal with a waiting room and one
unit of stock, are admitted one at a time (queue length 1, then 0), the first holds the unit
and orders it, the second is refused: sold out. A malformed event is dead-lettered by its
consumers after five attempts, and an outbox row stuck in backoff for two minutes shows as
outbox lag. Each metric is read from the scrape before and after.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.types import ASGIApp

from stampede.compose import Platform, build
from stampede.kernel import outbox
from stampede.kernel.messages import Envelope, now
from stampede.kernel.outbox import outbox_row
from stampede.kernel.settings import Settings
from tests.identity.support import User
from tests.ordering.support import ADDRESS, ORDERING, share_clock
from tests.sales.support import SALES, admit, buyers, hold, new_deal

Labels = dict[str, str]
Scrape = dict[str, list[tuple[Labels, float]]]
EXPOSED = (  # every business metric, as exposed on /metrics
    "stampede_http_requests_total",
    "stampede_http_request_duration_seconds_count",
    "stampede_sales_hold_attempts_total",
    "stampede_sales_sold_out_total",
    "stampede_sales_queue_length",
    "stampede_sales_admitted_total",
    "stampede_ordering_order_transitions_total",
    "stampede_outbox_pending",
    "stampede_outbox_lag_seconds",
    "stampede_outbox_failed",
    "stampede_bus_dead_letters",
    "stampede_mails_total",
)


@pytest.fixture
async def system(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[ASGIApp, Platform]]:
    """The embedded platform; one admission at a time, outbox lag reported every 50 ms."""
    monkeypatch.setattr(outbox, "LAG_EVERY_S", 0.05)
    settings = Settings.for_tests(tmp_path, admission_burst=1, payment_reconcile_s=3600.0)
    app, platform = build(settings)
    await platform.start()
    yield app, platform
    await platform.stop()


async def scrape(api: httpx.AsyncClient) -> Scrape:
    reply = await api.get("/metrics")
    assert reply.status_code == 200
    found: Scrape = {}
    for family in text_string_to_metric_families(reply.text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return found


def value(found: Scrape, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples carrying ``labels`` (0 when there is none)."""
    return sum(v for have, v in found.get(name, []) if labels.items() <= have.items())


async def enter(api: httpx.AsyncClient, user: User, listing_id: str) -> str:
    reply = await api.post(f"{SALES}/{listing_id}/queue", headers=user.auth)
    assert reply.status_code == 201, reply.text
    return str(reply.json()["ticket"])


async def admission(api: httpx.AsyncClient, user: User, ticket: str) -> str:
    reply = await api.get(f"{SALES}/queue/{ticket}", headers=user.auth)
    assert reply.status_code == 200 and reply.json()["admitted"], reply.text
    return str(reply.json()["admission_token"])


async def stuck_outbox_row(platform: Platform, age_s: float) -> None:
    """An identity event written ``age_s`` ago whose publishing backs off for an hour."""
    row = outbox_row(Envelope(type="Stuck", source="identity", data={}))
    row.time, row.next_attempt_at = now() - timedelta(seconds=age_s), time.time() + 3600
    async with platform.runtimes["identity"].db.sessions() as session, session.begin():
        session.add(row)


async def until_lag(api: httpx.AsyncClient, context: str, at_least_s: float) -> Scrape:
    for _ in range(100):
        found = await scrape(api)
        if value(found, "stampede_outbox_lag_seconds", context=context) >= at_least_s:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"no outbox lag of {at_least_s} s reported for {context}")


async def test_one_flow_moves_every_business_metric(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    before = await scrape(api)
    clock = share_clock(platform)
    deal = await new_deal(api, platform, waiting_room=True, stock=1, per_user_limit=5)
    first, second = await buyers(api, 2)
    tickets = [await enter(api, buyer, deal) for buyer in (first, second)]
    await admit(platform)  # the sale's admissions start (1 a second at most: burst 1)
    clock.advance(seconds=1)
    await admit(platform)
    waiting = value(await scrape(api), "stampede_sales_queue_length", listing=deal)
    clock.advance(seconds=1)
    await admit(platform)
    tokens = [await admission(api, b, t) for b, t in zip((first, second), tickets, strict=True)]
    held = await hold(api, first, {"listing_id": deal, "admission_token": tokens[0]})
    assert held.status_code == 201, held.text
    refused = await hold(api, second, {"listing_id": deal, "admission_token": tokens[1]})
    assert refused.status_code == 409 and refused.json()["type"].endswith("sold-out")
    body = {"hold_id": held.json()["hold_id"], **ADDRESS}
    ordered = await api.post(f"{ORDERING}/orders", headers=first.auth, json=body)
    assert ordered.status_code == 201, ordered.text
    poison = Envelope(type="AccountRegistered", source="identity", data={"not": "an account"})
    await platform.bus.publish([poison])
    await platform.settle()
    await stuck_outbox_row(platform, age_s=120)
    after = await until_lag(api, "identity", at_least_s=120)

    assert [name for name in EXPOSED if name not in after] == []

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("stampede_http_requests_total") > 0
    assert moved("stampede_http_request_duration_seconds_count") > 0
    assert moved("stampede_sales_hold_attempts_total", verdict="granted") == 1
    assert moved("stampede_sales_hold_attempts_total", verdict="sold_out") == 1
    assert value(after, "stampede_sales_sold_out_total", listing=deal) == 1
    assert (waiting, value(after, "stampede_sales_queue_length", listing=deal)) == (1, 0)
    assert moved("stampede_sales_admitted_total") == 2
    assert moved("stampede_ordering_order_transitions_total", status="PENDING_PAYMENT") == 1
    assert moved("stampede_mails_total", outcome="sent") >= 2  # one per buyer at least
    assert value(after, "stampede_outbox_pending", context="identity") >= 1
    assert value(after, "stampede_outbox_failed", context="identity") == 0
    queue = "notification.account_registered"
    dead = [value(found, "stampede_bus_dead_letters", queue=queue) for found in (before, after)]
    assert dead == [0, 1]
