"""The money rules on PostgreSQL, under real concurrency: 50 refunds at once never pass the
capture, one live payment per order, and a void racing an approve never lets both win."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.types import ASGIApp

from stampede.compose import Platform, build
from stampede.kernel.errors import Conflict
from stampede.kernel.settings import Settings
from tests.payment.conftest import TEST_SETTINGS
from tests.payment.support import (
    approve,
    events,
    internal,
    knobs,
    paid,
    person,
    place,
    provider_order,
    read,
    refund,
    start,
    started,
    token_of,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
async def system(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[ASGIApp, Platform]]:
    """The embedded platform with payment's database on PostgreSQL."""
    monkeypatch.setenv("PAYMENT_DATABASE_URL", postgres_url)
    app, platform = build(Settings.for_tests(tmp_path, **TEST_SETTINGS))
    await platform.start()
    yield app, platform
    await platform.stop()


async def test_fifty_parallel_refunds_never_pass_the_capture(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    assert not platform.runtimes["payment"].db.is_sqlite
    seller, buyer = await person(platform, "business"), await person(platform)
    order = await place(platform, buyer, seller_id=seller.id, amount=30_000)
    found = await paid(api, platform, order)
    replies = await asyncio.gather(
        *(refund(api, seller, found["payment_id"], 1_000, key=f"r-{n}") for n in range(50))
    )
    codes = sorted(r.status_code for r in replies)
    assert codes == [201] * 30 + [409] * 20, codes
    seen = (await read(api, seller, found["payment_id"])).json()
    assert seen["refunded_total"] == 30_000 and len(seen["refunds"]) == 30
    assert (await provider_order(platform, found["tid"]))["canceled_amount"]["total"] == 30_000
    await platform.settle()
    totals = sorted(e["refunded_total"] for e in await events(platform, "PaymentRefunded"))
    assert totals == [1_000 * n for n in range(1, 31)]


async def test_one_live_payment_per_order_however_many_start_at_once(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    buyer = await person(platform)
    order = await place(platform, buyer)
    await knobs(platform, latency_ms=200)  # every start passes the first check before any writes
    replies = await asyncio.gather(
        *(start(api, buyer, order.order_id, key=f"s-{n}") for n in range(10))
    )
    assert sorted(r.status_code for r in replies) == [201] + [409] * 9
    assert {r.json()["type"].rsplit("/", 1)[1] for r in replies if r.status_code == 409} == {
        "payment-exists"
    }


async def test_a_void_racing_an_approve_never_lets_both_win(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    buyer = await person(platform)
    outcomes = set()
    for _ in range(8):
        order = await place(platform, buyer)
        found = await started(api, order)
        token = await token_of(platform, found)
        void_path = f"/internal/payment/orders/{order.order_id}/void"
        voided, approved = await asyncio.gather(
            _void(platform, void_path), approve(api, buyer, found["payment_id"], token, "sync")
        )
        standing = (await provider_order(platform, found["tid"]))["status"]
        if voided == "voided":
            assert approved.status_code == 409 and standing != "SUCCESS_PAYMENT"
        else:
            assert approved.json()["status"] == "approved" and standing == "SUCCESS_PAYMENT"
        outcomes.add(voided)
    assert outcomes <= {"voided", "approved", "approval-in-flight"}


async def _void(platform: Platform, path: str) -> str:
    try:
        return str((await internal(platform, path))["state"])
    except Conflict as refused:
        return refused.slug
