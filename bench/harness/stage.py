"""Everything before the wrk rounds, in one event loop: log-ins, buyers, the correctness runs,
and the sales and request files the rounds use.

Sales for the rounds (all deals of the demo business, per-user limit 1):

* holds: a fresh deal per round (and per round for the gateway figure in distributed mode),
  stock ``holds_stock``, no waiting room; wrk cycles through every buyer's token, so the run
  sells out in its first moments and most answers are 409 sold-out or 429 over-limit;
* enter: a fresh waiting-room deal per round, admission rate 1/s (nearly everyone waits);
  the first pass over the buyers creates tickets (201), later passes see them again (200);
* poll: one waiting-room deal (1/s) that ``poll_tickets`` buyers entered beforehand; wrk
  cycles ``GET /api/sales/queue/{ticket}`` with each ticket's owner's token (no
  ``If-None-Match``, so every answer is a full 200 body).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from harness import admission, buyers, client, correctness, load, sale, verify
from harness.cluster import Cluster

CORRECTNESS_RATE = 1000.0  # admissions per second in the correctness sale
WAITING_RATE = 1.0  # admissions per second in the enter and poll sales


@dataclass(frozen=True)
class Plan:
    buyers: int
    small_stock: int  # S of the waiting-room run
    large_stock: int | None  # S of the run without a waiting room (None: skipped)
    holds_stock: int
    poll_tickets: int
    rounds: int
    tag: str
    budget_s: float  # per correctness run: buyers not started by then are skipped


@dataclass
class Staged:
    made: buyers.Made
    clients: dict[str, float]
    runs: list[tuple[correctness.Outcome, verify.Verdict]]
    files: dict[str, list[Path]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    admission: admission.Admission | None = None


def pool_for(url: str, size: int = 64) -> client.Pool:
    parts = urlsplit(url)
    return client.Pool(parts.hostname or "127.0.0.1", parts.port or 80, size)


@dataclass
class Pools:
    """``api``: the public entry (log-ins, the catalog, sale setup); ``sales``: where buyers
    go — the same process when embedded, the sales service itself when distributed (as an
    ingress would call it; the Python gateway's own cost is measured by wrk separately)."""

    api: client.Pool
    sales: client.Pool

    async def close(self) -> None:
        await self.api.close()
        await self.sales.close()


async def stage(cluster: Cluster, plan: Plan, hello_port: int, work: Path) -> Staged:
    pools = Pools(pool_for(cluster.url), pool_for(cluster.sales_url))
    try:
        tokens = {
            role: await sale.login(pools.api, email)
            for role, email in (
                ("business", "shop1@stampede.local"),
                ("admin", "admin@stampede.local"),
            )
        }
        made = await buyers.bulk_buyers(cluster.settings, plan.buyers + 2, plan.tag)
        compared = await client.compare_clients(hello_port)
        staged = Staged(made, compared, [])
        started = time.monotonic()
        for stock, room in ((plan.small_stock, True), (plan.large_stock, False)):
            if stock:
                run = await _run(pools, cluster, tokens, made.buyers, stock, room, plan.budget_s)
                staged.runs.append(run)
        staged.seconds["correctness"] = time.monotonic() - started
        started = time.monotonic()
        staged.admission = await admission.measure(pools.api, pools.sales, tokens, made.buyers)
        staged.seconds["admission"] = time.monotonic() - started
        started = time.monotonic()
        staged.files = await _rounds_files(pools, cluster, tokens, made.buyers, plan, work)
        staged.seconds["sales for rounds"] = time.monotonic() - started
        return staged
    finally:
        await pools.close()


async def _run(
    pools: Pools,
    cluster: Cluster,
    tokens: dict[str, str],
    everyone: list[buyers.Buyer],
    stock: int,
    waiting_room: bool,
    budget_s: float,
) -> tuple[correctness.Outcome, verify.Verdict]:
    """One correctness run: 20×S buyers (capped by those made), five attempts each."""
    crowd = everyone[: min(20 * stock, len(everyone) - 2)]
    listing_id = await sale.new_sale(
        pools.api,
        tokens,
        stock=stock,
        waiting_room=waiting_room,
        title=f"bench S={stock}",
        rate_per_s=CORRECTNESS_RATE if waiting_room else None,
    )
    label = f"S={stock} " + ("waiting room" if waiting_room else "direct (no room)")
    parallel = len(crowd) if waiting_room else 512
    outcome = await correctness.run_sale(
        pools.sales,
        crowd,
        listing_id,
        stock=stock,
        waiting_room=waiting_room,
        label=label,
        parallel=parallel,
        budget_s=budget_s,
    )
    probe = everyone[-1] if waiting_room else everyone[-2]
    owners = {b.user_id: b for b in crowd}
    db_url = cluster.settings.database_url_for("sales")
    verdict = await verify.verify(
        outcome, pools.sales, owners, listing_id, db_url, cluster.redis_prefix, probe
    )
    return outcome, verdict


async def _rounds_files(
    pools: Pools,
    cluster: Cluster,
    tokens: dict[str, str],
    crowd: list[buyers.Buyer],
    plan: Plan,
    work: Path,
) -> dict[str, list[Path]]:
    crowd = crowd[: plan.buyers]
    files: dict[str, list[Path]] = {"hello": [], "naive": [], "holds": [], "enter": []}
    files["hello"].append(load.write_requests(work / "hello.txt", [load.Request("GET", "/")]))
    naive = load.Request("POST", "/hold", "", json.dumps({"listing_id": "naive", "quantity": 1}))
    files["naive"].append(load.write_requests(work / "naive.txt", [naive]))
    kinds = ["holds", "enter"] + (["gateway"] if cluster.mode == "distributed" else [])
    for number in range(plan.rounds):
        for kind in kinds:
            room = kind == "enter"
            listing_id = await sale.new_sale(
                pools.api,
                tokens,
                stock=plan.holds_stock,
                waiting_room=room,
                title=f"bench {kind} round {number + 1}",
                rate_per_s=WAITING_RATE if room else None,
            )
            path = work / f"{kind}-{number}.txt"
            files.setdefault(kind, []).append(
                load.write_requests(path, _requests(kind, listing_id, crowd))
            )
    files["poll"] = [await _poll_file(pools, tokens, crowd[: plan.poll_tickets], work)]
    return files


def _requests(kind: str, listing_id: str, crowd: list[buyers.Buyer]) -> list[load.Request]:
    if kind == "enter":
        return [load.Request("POST", f"/api/sales/{listing_id}/queue", b.token) for b in crowd]
    body = json.dumps({"listing_id": listing_id, "quantity": 1})
    return [load.Request("POST", "/api/sales/holds", b.token, body) for b in crowd]


async def _poll_file(
    pools: Pools, tokens: dict[str, str], crowd: list[buyers.Buyer], work: Path
) -> Path:
    listing_id = await sale.new_sale(
        pools.api, tokens, stock=1, waiting_room=True, title="bench poll", rate_per_s=WAITING_RATE
    )

    async def enter(buyer: buyers.Buyer) -> load.Request:
        path = f"/api/sales/{listing_id}/queue"
        reply = await pools.sales.request("POST", path, token=buyer.token)
        if reply.status not in (200, 201):
            raise sale.SetupError(f"entering the poll sale: {reply.status} {reply.body[:200]!r}")
        return load.Request("GET", f"/api/sales/queue/{reply.json()['ticket']}", buyer.token)

    requests = await asyncio.gather(*(enter(b) for b in crowd))
    return load.write_requests(work / "poll.txt", requests)
