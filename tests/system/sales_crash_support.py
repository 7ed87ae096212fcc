"""Setting up the crash campaigns against a sale (``test_sales_crash.py``,
``test_store_crash.py``): their constants, the cluster they run, buyers and the deal."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aio_pika
import httpx
import pytest
from redis.asyncio import Redis

from stampede import launch
from stampede.compose import MODULES
from stampede.kernel.rabbitmq import DEAD_LETTER_EXCHANGE, dead_letter_queue_name, exchange_name
from stampede.kernel.settings import EMBEDDED_DATABASE_URL, Settings
from tests.catalog.support import deal, registration_number
from tests.identity.support import unverified_claims
from tests.system.processes import ForkServer, Process, free_port, wait_healthy

pytestmark = pytest.mark.system

STOCK = 30
LIMIT = 2
BUYERS = 24
WORKERS = 16
KILL_AT_S = (2.0, 5.0, 8.0)  # seconds into the drive, each ± KILL_JITTER_S
KILL_JITTER_S = 0.3
BURST = 8  # attempts sent straight to sales around each kill, one every BURST_STEP_S
BURST_STEP_S = 0.015  # so that whenever the kill comes, some are in flight
KILL_AFTER_S = (0.02, 0.12)  # the kill comes this long after its burst began
TRICKLE_PER_S = 1.0  # attempts per second between kills, so stock is left for every kill
KEYED = 0.4  # share of attempts with an Idempotency-Key
KEY_TRIES = 5  # a keyed attempt without an answer is sent again, up to this many times in all
DRAIN_CAP_S = 10.0  # selling what is left, once the gateway reaches sales again
DRIVE_CAP_S = 35.0
PASSWORD = "crash-test-password"
ADMIN = "admin@crash.example"
OWNER = "owner@crash.example"
HOLDS = "/api/sales/holds"
REFUSED = {"409", "429"}  # sold out, taken, first request in flight; over the limit
AWAY = {"502", "503", "504"}  # sales away (the gateway), or its record unreachable (sales)
SENT_UNANSWERED = {"ReadError", "RemoteProtocolError", "ReadTimeout"}  # killed mid-request


@dataclass(frozen=True)
class Buyer:
    user_id: str
    token: str = field(repr=False)

    @property
    def auth(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class Answer:
    at: float  # seconds into the drive
    route: str  # "gateway" or "direct"
    status: str  # "201", "409", … or the name of the transport error
    slug: str  # of a problem answer
    buyer: Buyer
    key: str | None
    hold_id: str | None = None
    replayed: bool = False
    body: str = ""

    @property
    def acknowledged(self) -> bool:
        return self.status == "201"

    @property
    def unanswered(self) -> bool:
        return not self.status.isdigit() or self.status in AWAY

    @property
    def expected(self) -> bool:
        if self.status.isdigit():
            return self.status == "201" or self.status in REFUSED | AWAY
        return self.route == "direct"  # the gateway is never killed

    @property
    def label(self) -> str:
        return f"{self.route} {self.status}" + (f" {self.slug}" if self.slug else "")


@dataclass
class Cluster:
    url: str  # the gateway (process A)
    sales_url: str  # the sales process (B)
    forks: ForkServer  # starts every sales process
    namespace: str
    sales: Process | None = None  # the sales process serving now
    listing_id: str = ""
    buyers: list[Buyer] = field(default_factory=list)
    staff: list[Buyer] = field(default_factory=list)  # the business owner and the admin


@contextlib.asynccontextmanager
async def running_cluster(
    data_dir: Path, postgres_url: str, amqp_url: str, redis_url: str
) -> AsyncIterator[Cluster]:
    """Process A (gateway, identity, catalog on SQLite in ``data_dir``) and a sales process B
    (PostgreSQL), both on ``redis_url`` and RabbitMQ under a namespace of this run; healthy."""
    gateway_port, sales_port = free_port(), free_port()
    namespace = f"t{uuid.uuid4().hex[:8]}."
    url, sales_url = f"http://127.0.0.1:{gateway_port}", f"http://127.0.0.1:{sales_port}"
    env = {
        "DATABASE_URL": EMBEDDED_DATABASE_URL,  # identity and catalog: SQLite in data_dir
        "SALES_DATABASE_URL": postgres_url,
        "BUS_URL": amqp_url,
        "STORE_URL": redis_url,
        "BUS_NAMESPACE": namespace,
        "STAMPEDE_DATA_DIR": str(data_dir),
        "STAMPEDE_DEMO": "false",
        "IDENTITY_URL": url,
        "CATALOG_URL": url,
        "SALES_URL": sales_url,
        "RATE_LIMIT_PER_IP": "1000000",
        "RATE_LIMIT_PER_USER": "1000000",
    }
    forks = ForkServer(["serve", "sales", "--port", str(sales_port)], env, data_dir / "sales.log")
    front = Process(
        ["serve", "gateway", "identity", "catalog", "--port", str(gateway_port)],
        env,
        data_dir / "front.log",
    )
    made = Cluster(url, sales_url, forks, namespace)
    try:
        forks.open()
        await create_admin(data_dir)  # before A migrates the same SQLite file
        front.start()
        made.sales = await asyncio.to_thread(forks.fork)
        await asyncio.gather(
            asyncio.to_thread(wait_healthy, url, front),
            asyncio.to_thread(wait_healthy, sales_url, made.sales),
        )
        yield made
    finally:
        running = [front] if made.sales is None else [made.sales, front]
        await asyncio.gather(*(asyncio.to_thread(process.stop) for process in running))
        await asyncio.to_thread(forks.close)
        user_ids = [user.user_id for user in made.buyers + made.staff]
        await clean_up(redis_url, amqp_url, namespace, user_ids)


async def create_admin(data_dir: Path) -> None:
    """What ``stampede admin create`` does, in this process (its imports are paid already)."""
    settings = Settings(
        data_dir=data_dir,
        contexts="identity",
        load_demo=False,
        database_url=EMBEDDED_DATABASE_URL,
        bus_url="memory://",
        store_url="memory://",
    )
    await launch.task(
        settings, "identity", "create_admin", email=ADMIN, password=PASSWORD, name="Admin"
    )


async def clean_up(redis_url: str, amqp_url: str, namespace: str, user_ids: list[str]) -> None:
    """Delete what this run left on the shared Redis and RabbitMQ."""
    redis = Redis.from_url(redis_url)
    try:
        patterns = [f"{namespace}*"] + [f"rl:user:{user_id}:*" for user_id in user_ids]
        for pattern in patterns:
            keys = [key async for key in redis.scan_iter(match=pattern, count=1000)]
            if keys:
                await redis.delete(*keys)
    finally:
        await redis.aclose()
    await drop_topology(amqp_url, namespace)


async def drop_topology(amqp_url: str, namespace: str) -> None:
    """Every queue (with its dead-letter queue) and exchange the contexts declare, under
    ``namespace``; the broker ignores names that were never declared."""
    queues = [f"{m.name}.{sub.name}" for m in MODULES for sub in m.subscriptions]
    exchanges = [exchange_name(m.name) for m in MODULES] + [DEAD_LETTER_EXCHANGE]
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        for queue in queues:
            for name in (queue, dead_letter_queue_name(queue)):
                await channel.queue_delete(namespace + name)
        for exchange in exchanges:
            await channel.exchange_delete(namespace + exchange)


# -- the sale, set up through the public API --------------------------------------------------


async def sign_up(client: httpx.AsyncClient, url: str, email: str) -> Buyer:
    body = {"email": email, "password": PASSWORD, "name": "Crash Buyer"}
    reply = await client.post(f"{url}/api/identity/signup", json=body)
    assert reply.status_code == 201, reply.text
    return await log_in(client, url, email)


async def log_in(client: httpx.AsyncClient, url: str, email: str) -> Buyer:
    body = {"email": email, "password": PASSWORD}
    reply = await client.post(f"{url}/api/identity/login", json=body)
    assert reply.status_code == 200, reply.text
    token: str = reply.json()["access_token"]
    return Buyer(str(unverified_claims(token)["sub"]), token)


async def until(
    what: str,
    timeout_s: float,
    attempt: Callable[[], Awaitable[httpx.Response]],
    done: Callable[[httpx.Response], bool],
) -> httpx.Response:
    """``attempt()`` every 0.2 s until its answer is ``done``."""
    deadline = time.monotonic() + timeout_s
    while not done(reply := await attempt()):
        assert time.monotonic() < deadline, f"{what}: {reply.status_code} {reply.text}"
        await asyncio.sleep(0.2)
    return reply


async def put_deal_on_sale(client: httpx.AsyncClient, cluster: Cluster) -> str:
    """A business (company approved by the admin) creates the deal; its id once sales knows it."""
    url = cluster.url
    owner = await sign_up(client, url, OWNER)
    company = {
        "name": "크래시 상사",
        "registration_number": registration_number(),
        "contact_email": "shop@crash.example",
        "contact_phone": "02-555-0101",
    }
    applied = await client.post(f"{url}/api/identity/companies", headers=owner.auth, json=company)
    assert applied.status_code == 201, applied.text
    admin = await log_in(client, url, ADMIN)
    cluster.staff += [owner, admin]
    path = f"{url}/api/identity/companies/{applied.json()['id']}/approve"
    approved = await client.post(path, headers=admin.auth)
    assert approved.status_code == 200, approved.text
    owner = await log_in(client, url, OWNER)  # now with the business role
    body = deal(start=datetime.now(UTC), hours=1, stock=STOCK, per_user_limit=LIMIT)
    created = await until(
        "catalog learns the approved company",
        20,
        lambda: client.post(f"{url}/api/catalog/listings", headers=owner.auth, json=body),
        lambda reply: reply.status_code != 403,
    )
    assert created.status_code == 201, created.text
    listing_id: str = created.json()["id"]
    probe = {"listing_id": listing_id, "quantity": LIMIT + 1}  # over the limit: never granted
    known = await until(
        "sales learns the deal",
        20,
        lambda: client.post(f"{url}{HOLDS}", headers=owner.auth, json=probe),
        lambda reply: reply.status_code not in (404, 503),  # 503: a slow first call (JWKS)
    )
    assert known.status_code == 429 and "over-limit" in known.text, known.text
    return listing_id


async def sign_up_buyers(client: httpx.AsyncClient, url: str) -> list[Buyer]:
    gate = asyncio.Semaphore(3)  # argon2 runs in identity's threads; the machine has 2 cores

    async def one(n: int) -> Buyer:
        async with gate:
            return await sign_up(client, url, f"buyer{n}@crash.example")

    return list(await asyncio.gather(*(one(n) for n in range(BUYERS))))
