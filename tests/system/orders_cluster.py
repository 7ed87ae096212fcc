"""The cluster of the distributed orders test (``test_orders_distributed.py``): four processes
on PostgreSQL, RabbitMQ and Redis, a business with a deal, a phone and a performance on sale,
and everything it leaves behind removed afterwards.

* A: ``serve gateway identity catalog sales`` — the public API every test drives;
* B: ``serve ordering`` — killed with SIGKILL and started again by the crash test;
* C: ``serve payment fulfilment mypage notification``;
* D: ``fakepg`` — the fake payment provider, answering every API call after :data:`PG_LATENCY_MS`
  so that captures and refunds are in flight for a moment.

All of them (and ``stampede admin create``) are forks of one interpreter that imported
Stampede once (a ``ForkServer``): an import costs seconds of CPU, and this machine has two
cores. Each context has its own database ``<prefix>_<context>`` (the processes create it; the
clean-up drops it); the broker's names and the Redis keys live under a namespace of this run.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from tests.catalog.support import car, deal, device, performance, registration_number
from tests.conftest import AMQP_URL, POSTGRES_URL, REDIS_URL, need
from tests.system.processes import Forked, ForkServer, free_port, wait_healthy
from tests.system.sales_crash_support import PASSWORD, Buyer, clean_up, log_in, sign_up, until

Json = dict[str, Any]
PG_LATENCY_MS = 100
PG_KEY = "DEV-fakepg-secret-key"
ADMIN = "admin@orders.example"
ADDRESS = {"shipping_address": "서울 마포구 월드컵로 1"}
ROLES = {
    "front": ["gateway", "identity", "catalog", "sales"],
    "ordering": ["ordering"],
    "back": ["payment", "fulfilment", "mypage", "notification"],
}
SETTINGS = {
    "CALL_TIMEOUT_S": "10",  # a busy two-core machine may answer slowly: not what is tested here
    "PAYMENT_RECONCILE_S": "1",  # were a provider's answer lost, it is settled within seconds
    "PAYMENT_STALE_S": "2",
    "RATE_LIMIT_PER_IP": "1000000",  # every request of the test comes from 127.0.0.1
    "RATE_LIMIT_PER_USER": "1000000",
}
_emails = itertools.count(1)


@dataclass(frozen=True)
class Shop:
    """The business's listings: a deal, a phone (units at one shop), a performance's seats."""

    seller: Buyer
    admin: Buyer
    deal_id: str
    phone_id: str
    shop_id: str
    show_id: str
    seats: list[str]
    car_id: str  # the admin's


def rental_days(first_in_days: int, days: int = 2) -> Json:
    """A car's rental from ``first_in_days`` days from today, returned ``days`` later."""
    start = date.today() + timedelta(days=first_in_days)
    return {"start_date": str(start), "end_date": str(start + timedelta(days=days))}


@dataclass
class Cluster:
    url: str  # the gateway (process A)
    ordering_url: str  # process B
    fakepg_url: str  # process D
    forks: ForkServer  # every process of the cluster is a fork of it
    env: dict[str, str]  # of every process
    processes: dict[str, Forked] = field(default_factory=dict)  # front, back, ordering, fakepg
    serve: dict[str, list[str]] = field(default_factory=dict)  # the arguments of each
    users: list[Buyer] = field(default_factory=list)  # everyone signed up, for the clean-up
    shop: Shop | None = None

    def database(self, context: str) -> str:
        """The context's database, as asyncpg takes it."""
        return self.env["DATABASE_URL"].format(context=context).replace("+asyncpg", "", 1)

    async def buyers(self, client: httpx.AsyncClient, count: int = 1) -> list[Buyer]:
        """New customers, signed up and logged in through the gateway, three at a time
        (argon2 runs in identity's threads; two cores)."""
        gate = asyncio.Semaphore(3)

        async def one() -> Buyer:
            async with gate:
                return await sign_up(client, self.url, f"buyer{next(_emails)}@orders.example")

        made = list(await asyncio.gather(*(one() for _ in range(count))))
        self.users += made
        return made


def _environment(tmp: Path, urls: dict[str, str], bus_url: str) -> dict[str, str]:
    run = uuid.uuid4().hex[:8]
    base = POSTGRES_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    hosts = {context: urls[name] for name, contexts in ROLES.items() for context in contexts}
    return {
        "DATABASE_URL": f"{base}/stampede_o{run}_{{context}}",
        "BUS_URL": bus_url,
        "STORE_URL": REDIS_URL,
        "BUS_NAMESPACE": f"o{run}.",
        "STAMPEDE_DATA_DIR": str(tmp),
        "STAMPEDE_DEMO": "false",
        "PAYMENT_PROVIDER_URL": urls["fakepg"],
        "PAYMENT_PROVIDER_KEY": PG_KEY,
        **{f"{name.upper()}_URL": url for name, url in hosts.items() if name != "gateway"},
        **SETTINGS,
    }


def start(tmp: Path, bus_url: str = AMQP_URL) -> Cluster:
    """Start A, then C, then B and D, each once the one before is ready (every process
    migrates its databases before it serves; one at a time is kinder to a two-core machine).
    Skips without the real services."""
    for url, port, name in ((POSTGRES_URL, 5432, "PostgreSQL"), (REDIS_URL, 6379, "Redis")):
        need(url, port, name)
    need(AMQP_URL, 5672, "RabbitMQ")
    ports = {name: free_port() for name in (*ROLES, "fakepg")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    env = _environment(tmp, urls, bus_url)
    cluster = Cluster(
        urls["front"], urls["ordering"], urls["fakepg"], ForkServer([], env, tmp / "f.log"), env
    )
    serve = {name: ["serve", *roles, "--port", str(ports[name])] for name, roles in ROLES.items()}
    serve["fakepg"] = ["fakepg", "--port", str(ports["fakepg"]), "--latency-ms", str(PG_LATENCY_MS)]
    cluster.serve = serve
    try:
        cluster.forks.open()
        for names in (["front"], ["back"], ["ordering", "fakepg"]):  # one migrating at a time
            for name in names:
                cluster.processes[name] = cluster.forks.fork(serve[name], tmp / f"{name}.log")
            for name in names:
                wait_healthy(urls[name], cluster.processes[name], 90)
    except BaseException:
        stop(cluster)
        raise
    return cluster


def stop(cluster: Cluster) -> None:
    """Stop every process, then delete the databases, broker names and Redis keys of the run."""
    asyncio.run(_forget(cluster))


async def _forget(cluster: Cluster) -> None:
    running = cluster.processes.values()
    await asyncio.gather(*(asyncio.to_thread(process.stop) for process in running))
    await asyncio.to_thread(cluster.forks.close)
    ids, namespace = [user.user_id for user in cluster.users], cluster.env["BUS_NAMESPACE"]
    bus = cluster.env["BUS_URL"]
    await asyncio.gather(clean_up(REDIS_URL, bus, namespace, ids), _drop_databases(cluster))


async def _drop_databases(cluster: Cluster) -> None:
    """Drop ``<prefix>_*``, all at once (each drop waits for a checkpoint)."""

    async def sql(query: str, *args: str) -> list[str]:
        conn = await asyncpg.connect(POSTGRES_URL)
        try:
            return [row[0] for row in await conn.fetch(query, *args)]
        finally:
            await conn.close()

    prefix = cluster.database("").rsplit("/", 1)[1]  # "<prefix>_"
    found = await sql("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", prefix)
    await asyncio.gather(*(sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)') for name in found))


def restart(cluster: Cluster, name: str) -> float:
    """``kill -9`` of process ``name`` (``ordering``: B, ``back``: C), then a new one; seconds
    until it was ready."""
    killed, serve = cluster.processes[name], cluster.serve[name]
    killed.kill()
    cluster.processes[name] = cluster.forks.fork(serve, killed.log)
    url = f"http://127.0.0.1:{serve[serve.index('--port') + 1]}"
    return wait_healthy(url, cluster.processes[name], 60)


def restart_ordering(cluster: Cluster) -> float:
    return restart(cluster, "ordering")


def restart_back(cluster: Cluster) -> float:
    """Process C: payment, fulfilment, my page and notification."""
    return restart(cluster, "back")


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
    email = f"seller{next(_emails)}@orders.example"
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
