"""The business of the distributed orders cluster (``orders_cluster.py``), set up through the
public API: its company, shop and listings, a cluster started with them, and what the public API
does not show (the provider's approvals, a ticket's check-in code)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx

from tests.catalog.support import car, deal, device, performance, registration_number
from tests.conftest import AMQP_URL
from tests.system.orders_cluster import (
    ADDRESS,
    ADMIN,
    EMAILS,
    PG_KEY,
    Cluster,
    Json,
    Shop,
    rental_days,
    start,
    stop,
)
from tests.system.sales_crash_support import PASSWORD, Buyer, log_in, sign_up, until


@contextlib.contextmanager
def with_shop(tmp: Path, bus_url: str = AMQP_URL) -> Iterator[Cluster]:
    """A started cluster whose business has its shop open (:func:`open_shop`); stopped and
    removed when the block ends, also on failure."""
    cluster = start(tmp, bus_url)
    try:
        asyncio.run(_open(cluster))
        yield cluster
    finally:
        stop(cluster)


async def _open(cluster: Cluster) -> None:
    async with httpx.AsyncClient(timeout=20) as client:
        cluster.shop = await open_shop(client, cluster)


@contextlib.asynccontextmanager
async def gateway_client() -> AsyncIterator[httpx.AsyncClient]:
    """A client for the tests' requests to the gateway (many at once)."""
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
    async with httpx.AsyncClient(timeout=20, limits=limits) as made:
        yield made


# -- the business and its listings, through the public API ------------------------------------


async def open_shop(client: httpx.AsyncClient, cluster: Cluster) -> Shop:
    """An admin (``stampede admin create``) with a car, a business approved by it, and the
    business's deal, phone and performance, each known to sales and to ordering."""
    create = ["admin", "create", ADMIN, "--password", PASSWORD]
    said = await asyncio.to_thread(cluster.forks.run, create, cluster.forks.log)
    assert "admin account created" in said, said
    admin = await log_in(client, cluster.url, ADMIN)
    cluster.users.append(admin)
    seller = await business(client, cluster, admin)
    shop = {"name": "강남점", "address": "서울 강남구 테헤란로 1", "region": "서울"}
    shop_id = await _created(client, cluster, seller, "shops", shop)
    now = datetime.now(UTC)
    bodies = (
        deal(now, 1, stock=80, per_user_limit=4),
        device(shop_id, "SN-1", "SN-2", "SN-3"),
        performance(now, waiting_room=False),
    )
    deal_id, phone_id, show_id = [
        await _created(client, cluster, seller, "listings", body) for body in bodies
    ]
    shown = await client.get(f"{cluster.url}/api/catalog/listings/{show_id}")
    sections = shown.json()["performance"]["sessions"][0]["sections"]
    seats = [seat["id"] for section in sections for row in section["rows"] for seat in row["seats"]]
    car_id = await _created(client, cluster, admin, "listings", car())
    [prober] = await cluster.buyers(client)
    for owner, hold, extra in (
        (admin, {"listing_id": car_id, **rental_days(300)}, {}),
        (seller, {"listing_id": deal_id, "quantity": 1}, ADDRESS),
        (seller, {"listing_id": phone_id, "shop_id": shop_id}, ADDRESS),
        (seller, {"listing_id": show_id, "seat_ids": seats[-1:]}, {}),
    ):
        deadline = time.monotonic() + 20
        while not await _ordering_knows(client, cluster, prober, owner, hold, extra):
            assert time.monotonic() < deadline, f"ordering never learned of {hold}"
            await asyncio.sleep(0.2)
    return Shop(seller, admin, deal_id, phone_id, shop_id, show_id, seats, car_id)


async def business(client: httpx.AsyncClient, cluster: Cluster, admin: Buyer) -> Buyer:
    """A new user whose company the admin approved, logged in again (business role)."""
    email = f"seller{next(EMAILS)}@orders.example"
    owner = await sign_up(client, cluster.url, email)
    cluster.users.append(owner)
    number, url = registration_number(), f"{cluster.url}/api/identity/companies"
    company = {"name": "주문 상사", "registration_number": number, "contact_email": email}
    company["contact_phone"] = "02-555-0101"
    applied = await client.post(url, headers=owner.auth, json=company)
    assert applied.status_code == 201, applied.text
    approved = await client.post(f"{url}/{applied.json()['id']}/approve", headers=admin.auth)
    assert approved.status_code == 200, approved.text
    return await log_in(client, cluster.url, email)


async def _created(
    client: httpx.AsyncClient, cluster: Cluster, seller: Buyer, what: str, body: Json
) -> str:
    """POST ``body`` to the catalog's ``what`` once it knows the seller's company (403 until
    then); the new id."""
    reply = await until(
        f"POST {what}",
        20,
        lambda: client.post(f"{cluster.url}/api/catalog/{what}", headers=seller.auth, json=body),
        lambda reply: reply.status_code != 403,
    )
    assert reply.status_code == 201, reply.text
    return str(reply.json()["id"])


async def _ordering_knows(
    client: httpx.AsyncClient,
    cluster: Cluster,
    prober: Buyer,
    seller: Buyer,
    hold: Json,
    extra: Json,
) -> bool:
    """Hold, order and cancel: whether ordering knows the listing and its seller by now. The
    order goes straight to process B: ordering answers 503 until the catalog's event has
    reached it, and through the gateway those answers would open its circuit breaker."""
    held = await until(
        "sales learns the listing",
        20,
        lambda: client.post(f"{cluster.url}/api/sales/holds", headers=prober.auth, json=hold),
        lambda reply: reply.status_code not in (404, 503),
    )
    assert held.status_code == 201, held.text
    orders = f"{cluster.ordering_url}/api/ordering/orders"
    body = {"hold_id": held.json()["hold_id"], **extra}
    placed = await client.post(orders, headers=prober.auth, json=body)
    if placed.status_code == 503:  # the hold was given back
        return False
    assert placed.status_code == 201, f"ordering cannot place an order: {placed.text}"
    order = f"{orders}/{placed.json()['order_id']}"
    seen = await client.get(order, headers=seller.auth)  # 404 while the seller is unknown
    cancelled = await client.post(f"{order}/cancel", headers=prober.auth)
    assert cancelled.status_code == 200, cancelled.text
    return seen.status_code == 200


# -- what the public API does not show -----------------------------------------------------------


async def approvals(client: httpx.AsyncClient, cluster: Cluster) -> int:
    """How many approves the provider has captured, ever."""
    auth = {"authorization": f"SECRET_KEY {PG_KEY}"}
    stats = await client.get(f"{cluster.fakepg_url}/admin/stats", headers=auth)
    assert stats.status_code == 200, stats.text
    return int(stats.json()["approved"])


async def checkin_code(cluster: Cluster, ticket_id: str) -> str:
    """A ticket's secret check-in code, from fulfilment's database (only the buyer's QR image
    carries it, and this test does not decode images)."""
    conn = await asyncpg.connect(cluster.database("fulfilment"))
    try:
        code = await conn.fetchval("SELECT code FROM tickets WHERE id = $1", ticket_id)
    finally:
        await conn.close()
    assert isinstance(code, str), ticket_id
    return code
