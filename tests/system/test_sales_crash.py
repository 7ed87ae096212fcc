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
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from stampede.kernel.settings import EMBEDDED_DATABASE_URL
from tests.system.processes import ForkServer, Process, free_port, wait_healthy
from tests.system.sales_crash_drive import Drive
from tests.system.sales_crash_support import (
    AWAY,
    HOLDS,
    LIMIT,
    SENT_UNANSWERED,
    STOCK,
    Buyer,
    Cluster,
    acknowledged,
    clean_up,
    create_admin,
    in_redis,
    put_deal_on_sale,
    recorded,
    report,
    sign_up_buyers,
)

pytestmark = pytest.mark.system


@pytest.fixture
async def cluster(
    tmp_path: Path, postgres_url: str, amqp_url: str, redis_url: str, env_clean: None
) -> AsyncIterator[Cluster]:
    gateway_port, sales_port = free_port(), free_port()
    namespace = f"t{uuid.uuid4().hex[:8]}."
    url, sales_url = f"http://127.0.0.1:{gateway_port}", f"http://127.0.0.1:{sales_port}"
    env = {
        "DATABASE_URL": EMBEDDED_DATABASE_URL,  # identity and catalog: SQLite in tmp_path
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
    forks = ForkServer(["serve", "sales", "--port", str(sales_port)], env, tmp_path / "sales.log")
    front = Process(
        ["serve", "gateway", "identity", "catalog", "--port", str(gateway_port)],
        env,
        tmp_path / "front.log",
    )
    made = Cluster(url, sales_url, forks, namespace)
    try:
        forks.open()
        await create_admin(tmp_path)  # before A migrates the same SQLite file
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


async def test_acknowledged_holds_survive_kill_9_of_sales_and_nothing_is_oversold(
    cluster: Cluster, postgres_url: str, redis_url: str
) -> None:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
    async with httpx.AsyncClient(timeout=15, limits=limits) as client:
        cluster.listing_id, cluster.buyers = await asyncio.gather(
            put_deal_on_sale(client, cluster), sign_up_buyers(client, cluster.url)
        )
        drive = Drive(cluster, client)
        await drive.run()

        owners = acknowledged(drive.answers)
        rows, taken = await recorded(postgres_url, cluster.listing_id)
        live = {str(row["hold_id"]): row for row in rows if row["state"] == "live"}
        held, left = await in_redis(redis_url, cluster.namespace, cluster.listing_id)
        ghosts, unacked = set(held) - set(live), set(live) - set(owners)
        report(drive, {h: held[h] for h in ghosts}, unacked, taken, left)

        wrong = [a for a in drive.answers if not a.expected]
        assert wrong == [], f"unexpected answers (a 500 is a bug in sales): {wrong}"
        lost = [hold for hold in owners if hold not in live]
        assert lost == [], f"acknowledged, not live in PostgreSQL: {lost} (rows: {rows})"
        assert {h: str(live[h]["user_id"]) for h in owners} == {
            h: b.user_id for h, b in owners.items()
        }
        assert all(row["state"] == "live" for row in rows), rows  # none released or expired
        pieces = sum(int(row["quantity"]) for row in live.values())
        assert pieces <= STOCK, f"oversold: {pieces} pieces held of {STOCK}"
        assert taken == pieces, f"sales.taken is {taken}, the live holds have {pieces}"
        per_user: Counter[str] = Counter()
        for row in live.values():
            per_user[str(row["user_id"])] += int(row["quantity"])
        assert max(per_user.values(), default=0) <= LIMIT, per_user

        assert [hold for hold in live if hold not in held] == [], "recorded, not in Redis"
        assert ghosts.isdisjoint(owners), "an acknowledged hold is only in Redis"
        sent_unanswered = [
            a for a in drive.answers if a.status in SENT_UNANSWERED or a.status in AWAY
        ]
        assert len(ghosts) + len(unacked) <= len(sent_unanswered), "a hold nobody asked for"
        assert sum(hold.quantity for hold in held.values()) + left == STOCK, (held, left)
        assert left == 0, "sold out, said sales, but Redis has stock left"
        in_use: Counter[str] = Counter()
        for hold in held.values():
            in_use[hold.user_id] += hold.quantity
        assert max(in_use.values(), default=0) <= LIMIT, in_use

        async def read(hold_id: str, buyer: Buyer) -> httpx.Response:
            return await client.get(f"{cluster.url}{HOLDS}/{hold_id}", headers=buyer.auth)

        reads = await asyncio.gather(*(read(hold, buyer) for hold, buyer in owners.items()))
        bad = [(r.status_code, r.text) for r in reads if r.status_code != 200]
        assert bad == [] and all(r.json()["state"] == "live" for r in reads), bad

        # Ghosts are given back once older than the grace (10 s), checked every 5 s.
        deadline = time.monotonic() + 25
        while set(held) - set(live) and time.monotonic() < deadline:
            await asyncio.sleep(1)
            held, left = await in_redis(redis_url, cluster.namespace, cluster.listing_id)
        assert set(held) == set(live), "ghosts of the crashes were never given back"
        assert left == STOCK - pieces
