"""A hold acknowledged with 201 survives a ``kill -9`` of Redis or of PostgreSQL; nothing is
oversold.

The cluster of the sales crash test (``test_sales_crash.py``: the gateway, identity and catalog
in process A, sales in process B, RabbitMQ), with the victim a server of this test's own: a
Redis every process uses, which keeps nothing on disk, or the PostgreSQL of sales' durable
record. While the workers make hold attempts, the victim is killed with SIGKILL three times,
each in the middle of a burst, and started again: Redis comes back empty (the inventory, the
rate-limit windows and the caches are gone), PostgreSQL runs crash recovery.

Sales answers 503 while either is away, and while a Redis that came back empty is seeded again
from the record (a sweep notices within a second); the database's conditional claims refuse
whatever a fresh inventory would grant twice. Once the gateway reaches sales again, the workers
sell what is left. The checks of the sales crash follow: every acknowledged hold is recorded and
read by its buyer, nothing is oversold or acknowledged twice, and the inventory comes to agree
with the record. No connection to a Stampede process is ever cut, and nothing answers 500.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.system.sales_crash_checks import check_the_outcome
from tests.system.sales_crash_drive import Drive, Victim
from tests.system.sales_crash_support import put_deal_on_sale, running_cluster, sign_up_buyers
from tests.system.servers import PostgresServer, RedisServer

pytestmark = pytest.mark.system


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis.log").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[PostgresServer]:
    server = PostgresServer(tmp_path / "postgres.log")
    try:
        yield server.init().start()
    finally:
        server.stop()


async def campaign(data_dir: Path, victim: Victim, urls: tuple[str, str, str]) -> None:
    """The sale, the drive with ``victim`` killed three times, and the checks; ``urls`` are
    sales' PostgreSQL, RabbitMQ and Redis."""
    postgres_url, amqp_url, redis_url = urls
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
    async with (
        running_cluster(data_dir, postgres_url, amqp_url, redis_url) as cluster,
        httpx.AsyncClient(timeout=15, limits=limits) as client,
    ):
        cluster.listing_id, cluster.buyers = await asyncio.gather(
            put_deal_on_sale(client, cluster), sign_up_buyers(client, cluster.url)
        )
        drive = Drive(cluster, client, victim)
        await drive.run()
        cut = [a for a in drive.answers if not a.status.isdigit()]
        assert cut == [], f"a connection to a Stampede process was cut: {cut}"
        await check_the_outcome(drive, postgres_url, redis_url)


async def test_acknowledged_holds_survive_kill_9_of_redis_and_nothing_is_oversold(
    tmp_path: Path, own_redis: RedisServer, postgres_url: str, amqp_url: str, env_clean: None
) -> None:
    await campaign(tmp_path, own_redis, (postgres_url, amqp_url, own_redis.url))


async def test_acknowledged_holds_survive_kill_9_of_postgresql_and_nothing_is_oversold(
    tmp_path: Path, own_postgres: PostgresServer, amqp_url: str, redis_url: str, env_clean: None
) -> None:
    await campaign(tmp_path, own_postgres, (own_postgres.url, amqp_url, redis_url))
