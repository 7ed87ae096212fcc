"""The cluster of the distributed orders tests (``test_orders_distributed.py``,
``test_broker_crash.py``): four processes on PostgreSQL, RabbitMQ and Redis, and everything it
leaves behind removed afterwards; its business, with a deal, a phone, a performance and a car on
sale, is set up by ``orders_shop.py``.

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
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from tests.conftest import AMQP_URL, POSTGRES_URL, REDIS_URL, need
from tests.system.processes import Forked, ForkServer, free_port, wait_healthy
from tests.system.sales_crash_support import Buyer, clean_up, sign_up

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
EMAILS = itertools.count(1)


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
                return await sign_up(client, self.url, f"buyer{next(EMAILS)}@orders.example")

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
