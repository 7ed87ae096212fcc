"""After a correctness run: does every record of the sale tell the same story?

Four witnesses, each read independently:

* the buyers' answers (:class:`~harness.correctness.Outcome`): the distinct hold ids of 201s;
* the API: ``GET /api/sales/holds/{id}`` of each granted hold, with its owner's token;
* the durable record: the sales database read directly (``holds`` rows of the listing and the
  ``sales`` row's ``stock``/``taken``), SQLite file or PostgreSQL database as the mode has it;
* the fast inventory: in distributed mode its Redis hash (``…{listing}:meta`` stock/taken and
  the number of live holds); in embedded mode it lives in the server's memory, so it is asked
  through the API: a hold by a buyer who has not bought yet must answer 409 sold-out.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from harness.buyers import Buyer
from harness.client import Pool
from harness.correctness import Outcome, admitted


@dataclass
class Verdict:
    granted: int = 0
    oversell: int = 0
    api_ok: int = 0
    db_live: int = -1
    db_pieces: int = -1
    db_taken: int = -1
    db_duplicates: int = -1
    db_matches_answers: bool = False
    inventory: str = ""
    inventory_agrees: bool = False

    @property
    def agree(self) -> bool:
        """Answers, database rows, the ``taken`` counter and the inventory tell one story."""
        return (
            self.db_matches_answers
            and self.inventory_agrees
            and self.granted == self.db_live == self.db_pieces == self.db_taken
        )

    def passed(self, outcome: Outcome) -> bool:
        """Exactly S holds, none oversold or duplicated, no 5xx, all readable, all agreeing."""
        return (
            self.granted == outcome.stock
            and self.oversell == 0
            and self.db_duplicates == 0
            and outcome.duplicate_users == 0
            and outcome.five_xx == 0
            and self.api_ok == self.granted
            and self.agree
        )


async def verify(
    outcome: Outcome,
    pool: Pool,
    owners: dict[str, Buyer],
    listing_id: str,
    db_url: str,
    redis_prefix: str | None,
    probe: Buyer,
) -> Verdict:
    v = Verdict(granted=len(outcome.granted))
    v.api_ok = await _api_reads(pool, outcome, owners)
    ids = await _durable(v, db_url, listing_id)
    v.oversell = max(v.db_pieces, v.granted) - outcome.stock
    v.db_matches_answers = ids == set(outcome.granted)
    if redis_prefix is not None:
        await _redis(v, redis_prefix, listing_id)
    else:
        await _probe(v, pool, probe, listing_id, outcome)
    return v


async def _api_reads(pool: Pool, outcome: Outcome, owners: dict[str, Buyer]) -> int:
    async def read(hold_id: str, user_id: str) -> bool:
        reply = await pool.request(
            "GET", f"/api/sales/holds/{hold_id}", token=owners[user_id].token
        )
        body = reply.json() if reply.status == 200 else {}
        return reply.status == 200 and body.get("state") == "live"

    found = await asyncio.gather(*(read(h, u) for h, u in outcome.granted.items()))
    return sum(found)


async def _durable(v: Verdict, db_url: str, listing_id: str) -> set[str]:
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            where = "listing_id = :l AND state = 'live'"
            rows = (
                await conn.execute(
                    text(f"SELECT hold_id, user_id, quantity FROM holds WHERE {where}"),
                    {"l": listing_id},
                )
            ).all()
            sale = (
                await conn.execute(
                    text("SELECT stock, taken FROM sales WHERE listing_id = :l"), {"l": listing_id}
                )
            ).first()
    finally:
        await engine.dispose()
    pieces_of: dict[str, int] = {}
    for _, user_id, quantity in rows:
        pieces_of[str(user_id)] = pieces_of.get(str(user_id), 0) + int(quantity)
    v.db_live, v.db_pieces = len(rows), sum(int(r[2]) for r in rows)
    v.db_duplicates = sum(1 for n in pieces_of.values() if n > 1)
    v.db_taken = int(sale[1]) if sale is not None else -1
    return {str(r[0]) for r in rows}


async def _redis(v: Verdict, prefix: str, listing_id: str) -> None:
    redis = Redis.from_url("redis://127.0.0.1:6379/0", decode_responses=True)
    try:
        base = f"{prefix}{{{listing_id}}}:"
        total, taken = (str(x) for x in await redis.hmget(base + "meta", ["stock", "taken"]))
        live = await redis.hlen(base + "holds")
    finally:
        await redis.aclose()
    v.inventory = f"Redis: stock {total}, taken {taken}, {live} live holds"
    v.inventory_agrees = taken == str(v.db_pieces) and live == v.db_live


async def _probe(v: Verdict, pool: Pool, probe: Buyer, listing_id: str, outcome: Outcome) -> None:
    body: dict[str, object] = {"listing_id": listing_id, "quantity": 1}
    if outcome.waiting_room:
        seen = Outcome("probe", outcome.stock, 1, True)
        body["admission_token"] = await admitted(pool, probe, listing_id, seen)
    reply = await pool.request("POST", "/api/sales/holds", token=probe.token, body=body)
    kind = str((reply.json() or {}).get("type", "")) if reply.body else ""
    sold_out = reply.status == 409 and "sold-out" in kind
    v.inventory = (
        f"in-process memory; a fresh buyer's hold → {reply.status} {kind.rsplit('/', 1)[-1]}"
    )
    v.inventory_agrees = sold_out == (v.db_pieces >= outcome.stock)
