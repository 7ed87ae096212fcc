"""The platform under test, started as real processes, and everything it leaves behind.

* ``embedded``: ``stampede up`` in a temporary data dir (SQLite files, memory bus, memory
  store), one process, on the server core during the rounds.
* ``distributed``: ``stampede serve <context>`` per context on PostgreSQL, RabbitMQ and Redis,
  with a unique ``BUS_NAMESPACE`` (RabbitMQ names and the sales' Redis keys) and fresh
  databases ``bench_<id>_<context>``. For the rounds, sales and the gateway are pinned to
  the server core, identity and catalog (idle while measuring) to the load core. Demo data is
  loaded from the bench process before the services start, as ``stampede up --distributed``
  does. At the end the databases are dropped, the RabbitMQ names and the Redis keys deleted.

PostgreSQL, RabbitMQ and Redis are the machine's own services. For the rounds Redis (which
every hold, enter and poll of the distributed sales service and of the naive baseline calls) is
moved to the load core, as a Redis on its own machine would not take the server's CPU; it gets
its CPUs back at the end (:func:`harness.procs.pin_services`).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aio_pika
import asyncpg
from redis.asyncio import Redis

from harness import procs
from stampede.compose import MODULES, Platform
from stampede.kernel.rabbitmq import DEAD_LETTER_EXCHANGE, exchange_name
from stampede.kernel.settings import Settings

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass
class Cluster:
    """Where to send requests, and how to reach the platform's data from the bench."""

    mode: str
    url: str  # the public entry: the gateway (embedded: the one process)
    sales_url: str  # the sales API as an ingress would call it (embedded: the same process)
    settings: Settings  # the bench's view: identity's and sales' databases
    server: procs.Child  # the process that serves the sales API
    gateway: procs.Child
    namespace: str = ""
    databases: list[str] = field(default_factory=list)

    @property
    def redis_prefix(self) -> str | None:
        """Where the sales inventory keeps its keys (None: in the server's memory)."""
        if self.mode != "distributed":
            return None
        return f"{self.namespace}:sales:" if self.namespace else "sales:"


def bench_env(log_level: str, admission_rate: float, log_sample: float) -> dict[str, str]:
    """Settings every process of the platform gets: the gateway's rate limits out of the way,
    holds that outlive the run, an admission bucket the correctness run can empty quickly,
    and the share of requests given an access-log line."""
    return {
        "ACCESS_LOG_SAMPLE": f"{log_sample:g}",
        "RATE_LIMIT_PER_IP": str(10**9),
        "RATE_LIMIT_PER_USER": str(10**9),
        "SALES_HOLD_TTL_S": "3600",
        "SALES_ADMISSION_RATE": f"{admission_rate:g}",
        "SALES_ADMISSION_BURST": str(int(admission_rate)),
        "LOG_LEVEL": log_level,
        "STAMPEDE_ENV": "development",
    }


def embedded(work: Path, env: dict[str, str]) -> Cluster:
    data, port = work / "var", procs.free_port()
    child = procs.stampede(
        "stampede up",
        ["up", "--port", str(port), "--data-dir", str(data)],
        {**env, "STAMPEDE_DATA_DIR": str(data)},
        work / "stampede.log",
        procs.SERVER_CPU,
    )
    url = f"http://127.0.0.1:{port}"
    procs.wait_ready(url, child, timeout_s=90)
    settings = Settings(data_dir=data, load_demo=False)
    return Cluster("embedded", url, url, settings, child, child)


def distributed(work: Path, env: dict[str, str]) -> Cluster:
    run = uuid.uuid4().hex[:8]
    namespace = f"bench{run}."
    ports = {name: procs.free_port() for name in ("identity", "catalog", "sales", "gateway")}
    database_url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/bench_{run}_{{context}}"
    shared = {
        **env,
        "DATABASE_URL": database_url,
        "BUS_URL": AMQP_URL,
        "STORE_URL": REDIS_URL,
        "BUS_NAMESPACE": namespace,
        "STAMPEDE_DATA_DIR": str(work / "var"),
        "STAMPEDE_DEMO": "false",
        **{f"{n.upper()}_URL": f"http://127.0.0.1:{p}" for n, p in ports.items() if n != "gateway"},
    }
    settings = Settings(
        database_url=database_url,
        bus_url=AMQP_URL,
        store_url=REDIS_URL,
        bus_namespace=namespace,
        data_dir=work / "var",
        contexts="all",
        load_demo=True,
    )
    databases = [f"bench_{run}_{m.name}" for m in MODULES]
    _CREATED.append((namespace, databases))
    asyncio.run(_seed_demo(settings))
    children: dict[str, procs.Child] = {}
    for name in ("identity", "catalog", "sales", "gateway"):
        cpu = procs.SERVER_CPU if name in ("sales", "gateway") else procs.LOAD_CPU
        args = ["serve", name, "--port", str(ports[name])]
        children[name] = procs.stampede(name, args, shared, work / f"{name}.log", cpu)
    for name, child in children.items():
        procs.wait_ready(f"http://127.0.0.1:{ports[name]}", child, timeout_s=90)
    return Cluster(
        "distributed",
        f"http://127.0.0.1:{ports['gateway']}",
        f"http://127.0.0.1:{ports['sales']}",
        settings.model_copy(update={"load_demo": False}),
        children["sales"],
        children["gateway"],
        namespace,
        databases,
    )


_CREATED: list[tuple[str, list[str]]] = []  # (namespace, databases) of distributed runs


async def _seed_demo(settings: Settings) -> None:
    """Migrate every context's database and load the demo data (``up --distributed`` does)."""
    from stampede.launch import preflight

    await preflight(settings)
    platform = Platform(settings)
    try:
        await platform.migrate()
        await platform.seed_demo()
    finally:
        await platform.stop()


def clean_up() -> list[str]:
    """Drop what distributed runs created on the shared servers; one line per thing done."""
    done: list[str] = []
    while _CREATED:
        namespace, databases = _CREATED.pop()
        done += asyncio.run(_clean(namespace, databases))
    return done


async def _clean(namespace: str, databases: list[str]) -> list[str]:
    lines = []
    with contextlib.suppress(Exception):
        conn = await asyncpg.connect(PG_ADMIN, timeout=5)
        try:
            for name in databases:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
        lines.append(f"dropped databases {', '.join(databases)}")
    with contextlib.suppress(Exception):
        lines.append(await _drop_topology(namespace))
    with contextlib.suppress(Exception):
        redis = Redis.from_url(REDIS_URL)
        keys = [k async for k in redis.scan_iter(match=f"{namespace}*", count=1000)]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
        lines.append(f"deleted {len(keys)} Redis keys {namespace}*")
    return lines


async def _drop_topology(namespace: str) -> str:
    queues = [f"{m.name}.{s.name}" for m in MODULES for s in m.subscriptions]
    exchanges = [exchange_name(m.name) for m in MODULES] + [DEAD_LETTER_EXCHANGE]
    connection = await aio_pika.connect(AMQP_URL, timeout=5)
    async with connection:
        channel = await connection.channel()
        for queue in queues:
            await channel.queue_delete(namespace + queue)
            await channel.queue_delete(namespace + queue + ".dead")
        for exchange in exchanges:
            await channel.exchange_delete(namespace + exchange)
    return f"deleted {2 * len(queues)} RabbitMQ queues and {len(exchanges)} exchanges {namespace}*"
