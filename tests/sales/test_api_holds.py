"""Holds through the public API on the embedded platform: a deal end to end."""

from __future__ import annotations

import httpx

from stampede.compose import Platform
from tests.sales.support import OPEN, SALES, buyers, hold, new_deal, share_clock


async def test_a_deal_sells_its_stock_and_no_more(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform, OPEN)
    listing_id = await new_deal(api, platform, stock=3, per_user_limit=2)
    first, second = await buyers(api, 2)
    granted = await hold(api, first, {"listing_id": listing_id, "quantity": 2})
    assert granted.status_code == 201, granted.text
    over = await hold(api, first, {"listing_id": listing_id, "quantity": 1})
    assert over.status_code == 429, over.text
    one = await hold(api, second, {"listing_id": listing_id})
    assert one.status_code == 201, one.text
    sold_out = await hold(api, second, {"listing_id": listing_id})
    assert sold_out.status_code == 409 and sold_out.json()["type"].endswith("sold-out")
    read = await api.get(f"{SALES}/holds/{granted.json()['hold_id']}", headers=first.auth)
    assert read.status_code == 200 and read.json()["quantity"] == 2
    metrics = (await api.get("/metrics")).text
    assert 'stampede_sales_hold_attempts_total{verdict="sold_out"}' in metrics
    assert 'stampede_sales_hold_attempts_total{verdict="over_limit"}' in metrics
