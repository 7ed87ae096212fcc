"""A hold acknowledged with 201 survives a ``kill -9`` of the sales process; nothing is oversold.

Process A serves the gateway, identity and catalog (SQLite files in tmp_path); process B serves
sales on a fresh PostgreSQL database; both share RabbitMQ and Redis under a namespace of this
run. A business puts a deal on sale (:data:`STOCK` pieces, :data:`LIMIT` per buyer, no waiting
room) and :data:`BUYERS` buyers sign up, all through the API. :data:`WORKERS` workers make hold
attempts (some with an Idempotency-Key, sent again after no answer as a client would) while B
is killed with SIGKILL three times, each in the middle of a burst of attempts, and restarted.
Once the gateway reaches sales again, the workers sell what is left. Then:

* every hold answered 201 is live in the ``holds`` table for its buyer, and its buyer reads it;
* the live holds never pass the stock, no buyer passes the limit, no hold is acknowledged twice;
* Redis agrees with PostgreSQL: every recorded live hold is live in Redis, and a Redis hold the
  record lacks is a ghost of a crash (granted, never acknowledged).

Half of the attempts, and the bursts, go straight to the sales process as an ingress would: a
burst through the gateway that dies in flight is five failed calls, which opens the gateway's
circuit breaker (``kernel/calls.py``) for 10 s, so later kills would hit a sales process nobody
reaches. Sales processes are forks of one interpreter that imported Stampede once
(:class:`~tests.system.processes.ForkServer`): a restart costs the start-up of sales, not
seconds of imports on a busy machine. 24 buyers, not more: each costs two argon2 hashes
(~0.25 s of CPU each) and the machine has two cores.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.system.sales_crash_checks import check_the_outcome
from tests.system.sales_crash_drive import Drive, SalesProcess
from tests.system.sales_crash_support import (
    Cluster,
    put_deal_on_sale,
    running_cluster,
    sign_up_buyers,
)

pytestmark = pytest.mark.system


@pytest.fixture
async def cluster(
    tmp_path: Path, postgres_url: str, amqp_url: str, redis_url: str, env_clean: None
) -> AsyncIterator[Cluster]:
    async with running_cluster(tmp_path, postgres_url, amqp_url, redis_url) as made:
        yield made


async def test_acknowledged_holds_survive_kill_9_of_sales_and_nothing_is_oversold(
    cluster: Cluster, postgres_url: str, redis_url: str
) -> None:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
    async with httpx.AsyncClient(timeout=15, limits=limits) as client:
        cluster.listing_id, cluster.buyers = await asyncio.gather(
            put_deal_on_sale(client, cluster), sign_up_buyers(client, cluster.url)
        )
        drive = Drive(cluster, client, SalesProcess(cluster))
        await drive.run()
        await check_the_outcome(drive, postgres_url, redis_url)
