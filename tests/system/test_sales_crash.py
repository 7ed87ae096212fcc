"""A hold acknowledged with 201 survives a ``kill -9`` of the sales process; nothing is oversold.

Process A serves the gateway, identity and catalog (SQLite files in tmp_path); process B serves
sales on a fresh PostgreSQL database; both share RabbitMQ and Redis under a namespace of this
run. A business puts a deal on sale (:data:`STOCK` pieces, :data:`LIMIT` per buyer, no waiting
room); :data:`BUYERS` buyers sign up; :data:`WORKERS` workers make hold attempts (some with an
Idempotency-Key, retried after a failure as a client would) while B is killed with SIGKILL
:data:`len(KILL_AT_S)` times — each time a few milliseconds after a burst of attempts went in —
and restarted. Once the gateway reaches sales again, the workers sell what is left. Then:

* every hold answered 201 is live in the ``holds`` table for its buyer, and its buyer reads it;
* the live holds never pass the stock, no buyer passes the limit, no hold is acknowledged twice;
* Redis agrees with PostgreSQL: every recorded live hold is live in Redis, and a Redis hold the
  record lacks is a ghost of a crash (granted, never acknowledged).

Half of the attempts go straight to the sales process as an ingress would: after a kill the
gateway's circuit breaker (``kernel/calls.py``) answers 503 for ``BREAKER_TTL_S`` (10 s), so
through the gateway alone later kills would land on an idle sales process. The bursts go
straight to sales for the same reason. Restarts run in interpreters that imported Stampede
beforehand (:class:`~tests.system.processes.Standby`), so each costs the start-up of sales,
not seconds of imports on a busy machine.
"""

# ruff: noqa: T201 (the test reports what it saw: statuses, kills, ghosts)
from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg
import httpx
import pytest
from redis.asyncio import Redis

from stampede import launch
from stampede.compose import MODULES
from stampede.kernel.rabbitmq import DEAD_LETTER_EXCHANGE, dead_letter_queue_name, exchange_name
from stampede.kernel.settings import EMBEDDED_DATABASE_URL, Settings
from stampede.sales.store.redis import RedisInventory
from tests.catalog.support import deal, registration_number
from tests.identity.support import unverified_claims
from tests.system.processes import Process, Standby, free_port, wait_healthy

pytestmark = pytest.mark.system

STOCK = 30
LIMIT = 2
BUYERS = 40
WORKERS = 16
KILL_AT_S = (2.0, 5.0, 8.0)  # seconds into the drive, each ± KILL_JITTER_S
KILL_JITTER_S = 0.3
BURST = 8  # attempts sent straight to sales just before each kill
TRICKLE_PER_S = 2.0  # attempts per second between kills, so stock is left for every kill
KEYED = 0.4  # share of attempts with an Idempotency-Key
KEY_TRIES = 5  # a keyed attempt that got no answer is sent again, up to this many times
DRAIN_S = 3.0  # selling what is left, once the gateway reaches sales again
DRIVE_CAP_S = 35.0
PASSWORD = "crash-test-password"
ADMIN = "admin@crash.example"
HOLDS = "/api/sales/holds"
FAILED = {"502", "503", "504"}  # the gateway's answers while sales is away (not 500)


@dataclass(frozen=True)
class Buyer:
    user_id: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class Answer:
    at: float  # seconds into the drive
    route: str  # "gateway" or "direct"
    status: str  # "201", "409", … or the transport error's name
    slug: str
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
        return not self.status.isdigit() or self.status in FAILED

    @property
    def label(self) -> str:
        return f"{self.route} {self.status}" + (f" {self.slug}" if self.slug else "")


@dataclass
class Cluster:
    url: str  # the gateway (process A)
    sales_url: str  # the sales process (B)
    sales: Standby  # the sales process now serving
    spares: list[Standby]  # imported, waiting to replace it
    namespace: str
    listing_id: str = ""
    buyers: list[Buyer] = field(default_factory=list)


@pytest.fixture
async def cluster(
    tmp_path: Path, postgres_url: str, amqp_url: str, redis_url: str, env_clean: None
) -> AsyncIterator[Cluster]:
    gateway_port, sales_port = free_port(), free_port()
    namespace = f"t{uuid.uuid4().hex[:8]}."
    url, sales_url = f"http://127.0.0.1:{gateway_port}", f"http://127.0.0.1:{sales_port}"
    env = {
        "DATABASE_URL": EMBEDDED_DATABASE_URL,
        "SALES_DATABASE_URL": postgres_url,
        "BUS_URL": amqp_url,
        "STORE_URL": redis_url,
        "BUS_NAMESPACE": namespace,
        "STAMPEDE_DATA_DIR": str(tmp_path),
        "STAMPEDE_DEMO": "false",
        "IDENTITY_URL": url,
        "CATALOG_URL": url,
        "SALES_URL": sales_url,
        "RATE_LIMIT_PER_IP": "1000000",
        "RATE_LIMIT_PER_USER": "1000000",
    }
    sales_args = ["serve", "sales", "--port", str(sales_port)]
    sales = [Standby(sales_args, env, tmp_path / "sales.log") for _ in range(len(KILL_AT_S) + 1)]
    front = Process(
        ["serve", "gateway", "identity", "catalog", "--port", str(gateway_port)],
        env,
        tmp_path / "front.log",
    )
    made = Cluster(url, sales_url, sales[0], sales[1:], namespace)
    T0 = time.monotonic(); print(f"\nT setup start")
    try:
        sales[0].start()
        for spare in sales[1:]:
            spare.prepare()
        await create_admin(tmp_path)  # before A migrates the same SQLite file
        print(f"T admin {time.monotonic()-T0:.1f}")
        front.start()
        async def w(u, p, n):
            await asyncio.to_thread(wait_healthy, u, p)
            print(f"T {n} {time.monotonic()-T0:.1f}")
        await asyncio.gather(w(url, front, "A"), w(sales_url, sales[0], "B"))
        print(f"T setup {time.monotonic()-T0:.1f}")
        yield made
    finally:
        T1 = time.monotonic()
        await asyncio.gather(*(asyncio.to_thread(p.stop) for p in [*sales, front]))
        user_ids = [buyer.user_id for buyer in made.buyers]
        print(f"T stop {time.monotonic()-T1:.1f}")
        await clean_up(redis_url, amqp_url, namespace, user_ids)
        print(f"T teardown {time.monotonic()-T1:.1f}")


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
    """Every queue (and its dead-letter queue) and exchange the contexts declare, namespaced;
    names never declared are skipped by the broker."""
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


# -- setting the sale up through the public API --------------------------------------------


async def sign_up(client: httpx.AsyncClient, url: str, email: str) -> Buyer:
    body = {"email": email, "password": PASSWORD, "name": "Crash Buyer"}
    reply = await client.post(f"{url}/api/identity/signup", json=body)
    assert reply.status_code == 201, reply.text
    return await log_in(client, url, email)


async def log_in(client: httpx.AsyncClient, url: str, email: str) -> Buyer:
    reply = await client.post(
        f"{url}/api/identity/login", json={"email": email, "password": PASSWORD}
    )
    assert reply.status_code == 200, reply.text
    token: str = reply.json()["access_token"]
    return Buyer(str(unverified_claims(token)["sub"]), token)


async def until(
    what: str,
    timeout_s: float,
    attempt: Callable[[], Awaitable[httpx.Response]],
    done: Callable[[httpx.Response], bool],
) -> httpx.Response:
    """``attempt()`` again every 0.2 s until its answer is ``done``."""
    deadline = time.monotonic() + timeout_s
    while True:
        reply = await attempt()
        if done(reply):
            return reply
        assert time.monotonic() < deadline, f"{what}: {reply.status_code} {reply.text}"
        await asyncio.sleep(0.2)


async def put_deal_on_sale(client: httpx.AsyncClient, cluster: Cluster) -> str:
    """A business (approved company) creates the deal; returns it once sales knows it."""
    url = cluster.url
    owner = await sign_up(client, url, "owner@crash.example")
    company = {
        "name": "크래시 상사",
        "registration_number": registration_number(),
        "contact_email": "shop@crash.example",
        "contact_phone": "02-555-0101",
    }
    applied = await client.post(f"{url}/api/identity/companies", headers=owner.auth, json=company)
    assert applied.status_code == 201, applied.text
    print(f"T owner {time.monotonic():.1f}")
    admin = await log_in(client, url, ADMIN)
    path = f"{url}/api/identity/companies/{applied.json()['id']}/approve"
    approved = await client.post(path, headers=admin.auth)
    assert approved.status_code == 200, approved.text
    owner = await log_in(client, url, "owner@crash.example")  # now with the business role
    body = deal(start=datetime.now(UTC), hours=1, stock=STOCK, per_user_limit=LIMIT)
    created = await until(
        "catalog learns the approved company",
        20,
        lambda: client.post(f"{url}/api/catalog/listings", headers=owner.auth, json=body),
        lambda reply: reply.status_code != 403,
    )
    assert created.status_code == 201, created.text
    print(f"T deal created {time.monotonic():.1f}")
    listing_id: str = created.json()["id"]
    probe = {"listing_id": listing_id, "quantity": LIMIT + 1}  # never granted: over the limit
    known = await until(
        "sales learns the deal",
        20,
        lambda: client.post(f"{url}{HOLDS}", headers=owner.auth, json=probe),
        lambda reply: reply.status_code not in (404, 503),  # 503: slow first call, JWKS
    )
    assert known.status_code == 429 and "over-limit" in known.text, known.text
    print(f"T sales knows {time.monotonic():.1f}")
    return listing_id


async def sign_up_buyers(client: httpx.AsyncClient, url: str) -> list[Buyer]:
    gate = asyncio.Semaphore(4)  # argon2 runs in identity's threads; 2 cores

    async def one(n: int) -> Buyer:
        async with gate:
            return await sign_up(client, url, f"buyer{n}@crash.example")

    r = list(await asyncio.gather(*(one(n) for n in range(BUYERS))))
    print(f"T buyers {time.monotonic():.1f}")
    return r


# -- the drive: attempts, bursts, kills and restarts ------------------------------------------


@dataclass
class Drive:
    cluster: Cluster
    client: httpx.AsyncClient
    started: float = field(default_factory=time.monotonic)
    answers: list[Answer] = field(default_factory=list)
    kills: list[tuple[float, float]] = field(default_factory=list)  # (killed at, ready after s)
    tokens: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    draining: bool = False
    stopping: bool = False
    bursts: list[asyncio.Task[None]] = field(default_factory=list)

    def now(self) -> float:
        return time.monotonic() - self.started

    async def attempt(self, route: str, buyer: Buyer, key: str | None) -> Answer:
        base = self.cluster.url if route == "gateway" else self.cluster.sales_url
        headers = buyer.auth | ({"Idempotency-Key": key} if key else {})
        body = {"listing_id": self.cluster.listing_id, "quantity": 1}
        try:
            reply = await self.client.post(f"{base}{HOLDS}", headers=headers, json=body)
        except httpx.HTTPError as exc:
            answer = Answer(self.now(), route, type(exc).__name__, "", buyer, key)
        else:
            answer = self._answer(route, buyer, key, reply)
        self.answers.append(answer)
        return answer

    def _answer(self, route: str, buyer: Buyer, key: str | None, reply: httpx.Response) -> Answer:
        status, data = str(reply.status_code), {}
        with contextlib.suppress(ValueError):
            data = reply.json()
        if status == "201":
            assert data["listing_id"] == self.cluster.listing_id and data["quantity"] == 1, data
            replayed = reply.headers.get("Idempotent-Replayed") == "true"
            return Answer(self.now(), route, status, "", buyer, key, str(data["hold_id"]), replayed)
        slug = str(data.get("type", "")).rsplit("/", 1)[-1] if isinstance(data, dict) else ""
        return Answer(self.now(), route, status, slug, buyer, key, body=reply.text[:300])

    async def one(self, route: str) -> None:
        """One buyer's attempt; with a key, sent again after no answer, as a client would."""
        buyer = random.choice(self.cluster.buyers)
        key = uuid.uuid4().hex if random.random() < KEYED else None
        for _ in range(KEY_TRIES if key else 1):
            answer = await self.attempt(route, buyer, key)
            if not answer.unanswered:
                return
            await asyncio.sleep(random.uniform(0.4, 0.9))

    async def worker(self) -> None:
        while (route := await self.tokens.get()) != "stop":
            await self.one(random.choice(("gateway", "direct")) if route == "any" else route)

    async def pace(self) -> None:
        """Attempts at TRICKLE_PER_S; while draining, as fast as the workers go."""
        while not self.stopping:
            if not self.draining:
                self.tokens.put_nowait("any")
                await asyncio.sleep(1 / TRICKLE_PER_S)
            elif self.tokens.qsize() < WORKERS:
                self.tokens.put_nowait("any")
            else:
                await asyncio.sleep(0.005)

    async def killer(self) -> None:
        """Burst, SIGKILL a few ms later, restart from a standby, wait until ready; repeat."""
        url = self.cluster.sales_url
        for at in KILL_AT_S:
            await asyncio.sleep(max(0.0, at + random.uniform(-1, 1) * KILL_JITTER_S - self.now()))
            self.bursts += [asyncio.create_task(self.one("direct")) for _ in range(BURST)]
            await asyncio.sleep(random.uniform(0.005, 0.06))
            await asyncio.to_thread(self.cluster.sales.kill)
            killed = self.now()
            self.cluster.sales = self.cluster.spares.pop(0).go()
            waited = await asyncio.to_thread(wait_healthy, url, self.cluster.sales, 30)
            self.kills.append((killed, waited))

    async def gateway_reaches_sales(self) -> None:
        """Until the gateway's breaker lets calls to sales through again (404: no such hold)."""
        buyer = self.cluster.buyers[0]
        path = f"{self.cluster.url}{HOLDS}/{uuid.uuid4()}"
        while (await self.client.get(path, headers=buyer.auth)).status_code != 404:
            assert self.now() < DRIVE_CAP_S, "the gateway never reached sales again"
            await asyncio.sleep(0.25)

    async def run(self) -> None:
        workers = [asyncio.create_task(self.worker()) for _ in range(WORKERS)]
        pace = asyncio.create_task(self.pace())
        try:
            await self.killer()
            await self.gateway_reaches_sales()
            self.draining = True
            drained = self.now()
            await asyncio.sleep(DRAIN_S)
        finally:
            self.stopping = True
            await pace
            while not self.tokens.empty():
                self.tokens.get_nowait()
            for _ in workers:
                self.tokens.put_nowait("stop")
            await asyncio.gather(*workers, *self.bursts)
        late = [a for a in self.answers if a.at > drained + DRAIN_S / 2]
        assert late and not any(a.acknowledged for a in late), "still selling: drain longer"


# -- the checks --------------------------------------------------------------------------------


async def recorded_holds(postgres_url: str, listing_id: str) -> tuple[list[Any], int]:
    """The ``holds`` rows of the sale and the sale's ``taken`` counter."""
    conn = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch(
            "SELECT hold_id, user_id, quantity, state FROM holds WHERE listing_id = $1",
            listing_id,
        )
        taken = await conn.fetchval("SELECT taken FROM sales WHERE listing_id = $1", listing_id)
        return list(rows), int(taken)
    finally:
        await conn.close()


async def inventory_holds(
    redis_url: str, namespace: str, listing_id: str
) -> tuple[dict[str, Any], int]:
    inventory = await RedisInventory.connect(redis_url, f"{namespace}:")
    try:
        held = {hold.hold_id: hold for hold in await inventory.live_holds(listing_id)}
        return held, await inventory.available(listing_id)
    finally:
        await inventory.close()


def acknowledged(answers: list[Answer]) -> dict[str, Buyer]:
    """Every hold id answered 201, with its buyer; a hold is new at most once, a replay names
    the hold its key made, and no hold is anyone else's."""
    owners: dict[str, Buyer] = {}
    by_key: dict[tuple[str, str], str] = {}
    new = Counter(a.hold_id for a in answers if a.acknowledged and not a.replayed)
    assert [hold for hold, n in new.items() if n > 1] == [], "a hold acknowledged as new twice"
    for a in sorted((a for a in answers if a.acknowledged), key=lambda a: a.at):
        assert a.hold_id is not None
        assert owners.setdefault(a.hold_id, a.buyer) == a.buyer, f"{a.hold_id}: two owners"
        if a.key is not None:
            first = by_key.setdefault((a.buyer.user_id, a.key), a.hold_id)
            assert first == a.hold_id, f"key {a.key} answered two holds"
    return owners


def report(drive: Drive, ghosts: set[str], unacked: set[str], available: int) -> None:
    print(f"\nkills at / ready after (s): {[(round(k, 2), round(w, 2)) for k, w in drive.kills]}")
    statuses = Counter(a.label for a in drive.answers)
    for label, count in sorted(statuses.items()):
        print(f"  {count:5d}  {label}")
    print(
        f"drive {drive.now():.1f}s, {len(drive.answers)} answers, "
        f"{sum(a.acknowledged for a in drive.answers)} 201s "
        f"({sum(a.replayed for a in drive.answers)} replayed); ghosts {len(ghosts)}, "
        f"recorded but never acknowledged {len(unacked)}, left in Redis {available}"
    )


async def test_acknowledged_holds_survive_kill_9_of_sales_and_nothing_is_oversold(
    cluster: Cluster, postgres_url: str, redis_url: str
) -> None:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
    T2 = time.monotonic(); print(f"T test {T2:.1f}")
    async with httpx.AsyncClient(timeout=15, limits=limits) as client:
        cluster.listing_id, cluster.buyers = await asyncio.gather(
            put_deal_on_sale(client, cluster), sign_up_buyers(client, cluster.url)
        )
        print(f"T sale ready {time.monotonic()-T2:.1f}")
        drive = Drive(cluster, client)
        await drive.run()

        wrong = [
            a
            for a in drive.answers
            if a.status.isdigit() and a.status not in {"201", "409", "429", *FAILED}
        ]
        owners = acknowledged(drive.answers)
        rows, taken = await recorded_holds(postgres_url, cluster.listing_id)
        live = {str(r["hold_id"]): r for r in rows if r["state"] == "live"}
        held, available = await inventory_holds(redis_url, cluster.namespace, cluster.listing_id)
        ghosts = set(held) - set(live)
        unacked = set(live) - set(owners)
        report(drive, ghosts, unacked, available)

        assert wrong == [], f"unexpected answers (500 = a bug in sales): {wrong}"
        lost = [h for h in owners if h not in live]
        assert lost == [], f"acknowledged holds not live in PostgreSQL: {lost} of {rows}"
        assert [h for h, b in owners.items() if str(live[h]["user_id"]) != b.user_id] == []
        assert all(r["state"] == "live" for r in rows), rows  # nothing released or expired
        pieces = sum(int(r["quantity"]) for r in live.values())
        assert pieces <= STOCK, f"oversold: {pieces} pieces held of {STOCK}"
        assert taken == pieces, f"sales.taken {taken} but live holds have {pieces}"
        per_user = Counter(str(r["user_id"]) for r in live.values() for _ in range(r["quantity"]))
        assert max(per_user.values(), default=0) <= LIMIT, per_user

        assert [h for h in live if h not in held] == [], "recorded live holds Redis lacks"
        assert ghosts.isdisjoint(owners), "an acknowledged hold is missing from PostgreSQL"
        redis_pieces = sum(hold.quantity for hold in held.values())
        assert redis_pieces + available == STOCK, (redis_pieces, available)
        redis_per_user = Counter(h.user_id for h in held.values() for _ in range(h.quantity))
        assert max(redis_per_user.values(), default=0) <= LIMIT, redis_per_user

        async def read(hold_id: str, buyer: Buyer) -> httpx.Response:
            return await client.get(f"{cluster.url}{HOLDS}/{hold_id}", headers=buyer.auth)

        reads = await asyncio.gather(*(read(h, b) for h, b in owners.items()))
        bad = [(r.status_code, r.text) for r in reads if r.status_code != 200]
        assert bad == [] and all(r.json()["state"] == "live" for r in reads), bad
