"""The flash sale as buyers live it, through the public API: exactly S holds, whatever happens.

Every buyer (a distinct account) first passes the waiting room when the sale has one: enter
(``POST /api/sales/{id}/queue``), poll the ticket with ``If-None-Match`` until admitted
(interval: a quarter of the estimated wait, 0.2–2 s), then fires five hold attempts at once
with the admission token:

1. ``Idempotency-Key: <sale>-<user>-a``   2. the same key again (must answer the same hold)
3. ``Idempotency-Key: <sale>-<user>-b``   4.–5. no key

so four attempts in five are repeats by the same buyer, one in five with the same key, all
racing each other. With the per-user limit 1 a buyer may end with at most one hold. Without a
waiting room the same five attempts go straight to ``POST /api/sales/holds``. Buyers run
concurrently (``parallel`` at a time) over one keep-alive pool (:mod:`harness.client`).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from harness.buyers import Buyer
from harness.client import Pool, Reply

ATTEMPTS = ("a", "a", "b", None, None)  # Idempotency-Key suffix of each attempt (None: no key)


@dataclass
class Outcome:
    """What the buyers saw."""

    label: str
    stock: int
    buyers: int
    waiting_room: bool
    attempts: int = 0
    repeats: int = 0
    same_key_repeats: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    queue_statuses: Counter[int] = field(default_factory=Counter)
    problems: Counter[str] = field(default_factory=Counter)
    granted: dict[str, str] = field(default_factory=dict)  # hold id → user id
    holds_of: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    replay_mismatches: int = 0
    replayed: int = 0
    not_admitted: int = 0
    skipped: int = 0  # buyers not started before the deadline
    seconds: float = 0.0
    started: float = 0.0  # monotonic clock at the start
    grants_at: list[float] = field(default_factory=list)  # when each new hold was answered
    admitted_at: list[float] = field(default_factory=list)  # when each buyer saw admission

    def timeline(self) -> str:
        """When the last buyer was admitted and how fast the stock went, from the run start."""
        parts = []
        if self.admitted_at:
            parts.append(f"last buyer admitted at {max(self.admitted_at) - self.started:.1f} s")
        if len(self.grants_at) > 1:
            first, last = min(self.grants_at), max(self.grants_at)
            rate = (len(self.grants_at) - 1) / (last - first) if last > first else 0.0
            parts.append(
                f"first hold at {first - self.started:.1f} s, last at {last - self.started:.1f} s "
                f"({rate:,.0f} grants/s)"
            )
        return "; ".join(parts)

    @property
    def five_xx(self) -> int:
        return sum(n for s, n in (self.statuses + self.queue_statuses).items() if s >= 500)

    @property
    def duplicate_users(self) -> int:
        return sum(1 for holds in self.holds_of.values() if len(holds) > 1)


async def run_sale(
    pool: Pool,
    buyers: list[Buyer],
    listing_id: str,
    *,
    stock: int,
    waiting_room: bool,
    label: str,
    parallel: int = 512,
    budget_s: float = 300.0,
) -> Outcome:
    """Every buyer's flow (see the module docstring); the outcome as the buyers saw it.
    Buyers not started within ``budget_s`` are skipped (counted), so a run stays bounded."""
    outcome = Outcome(label, stock, len(buyers), waiting_room)
    gate = asyncio.Semaphore(parallel)
    deadline = time.monotonic() + budget_s

    async def one(buyer: Buyer) -> None:
        async with gate:
            if time.monotonic() > deadline:
                outcome.skipped += 1
                return
            admission = await admitted(pool, buyer, listing_id, outcome) if waiting_room else None
            if waiting_room and admission is None:
                outcome.not_admitted += 1
                return
            await _attempts(pool, buyer, listing_id, admission, outcome)

    outcome.started = time.monotonic()
    await asyncio.gather(*(one(b) for b in buyers))
    outcome.seconds = time.monotonic() - outcome.started
    return outcome


async def admitted(pool: Pool, buyer: Buyer, listing_id: str, outcome: Outcome) -> str | None:
    """The admission token once the buyer's ticket is admitted; None if the room failed them."""
    reply = await pool.request("POST", f"/api/sales/{listing_id}/queue", token=buyer.token)
    outcome.queue_statuses[reply.status] += 1
    if reply.status not in (200, 201):
        _problem(reply, outcome)
        return None
    place, tag = reply.json(), reply.headers.get("etag", "")
    deadline = time.monotonic() + 120
    while not place["admitted"] and time.monotonic() < deadline:
        await asyncio.sleep(min(2.0, max(0.2, place["estimated_wait_s"] / 4)))
        headers = {"If-None-Match": tag} if tag else {}
        path = f"/api/sales/queue/{place['ticket']}"
        reply = await pool.request("GET", path, token=buyer.token, headers=headers)
        outcome.queue_statuses[reply.status] += 1
        if reply.status == 200:
            place, tag = reply.json(), reply.headers.get("etag", "")
        elif reply.status != 304:
            _problem(reply, outcome)
            return None
    token = place.get("admission_token")
    if place["admitted"] and token:
        outcome.admitted_at.append(time.monotonic())
        return str(token)
    return None


async def _attempts(
    pool: Pool, buyer: Buyer, listing_id: str, admission: str | None, outcome: Outcome
) -> None:
    async def attempt(key: str | None) -> tuple[Reply, float]:
        body: dict[str, object] = {"listing_id": listing_id, "quantity": 1}
        if admission is not None:
            body["admission_token"] = admission
        headers = {"Idempotency-Key": f"{listing_id[:8]}-{buyer.user_id}-{key}"} if key else {}
        reply = await pool.request(
            "POST", "/api/sales/holds", token=buyer.token, body=body, headers=headers
        )
        return reply, time.monotonic()

    answered = await asyncio.gather(*(attempt(key) for key in ATTEMPTS))
    replies = [reply for reply, _ in answered]
    outcome.attempts += len(replies)
    outcome.repeats += len(replies) - 1
    outcome.same_key_repeats += 1
    for reply, at in answered:
        outcome.statuses[reply.status] += 1
        if reply.status == 201:
            hold = reply.json()
            if hold["hold_id"] not in outcome.granted:
                outcome.grants_at.append(at)
            outcome.granted[hold["hold_id"]] = buyer.user_id
            outcome.holds_of[buyer.user_id].add(hold["hold_id"])
            outcome.replayed += reply.headers.get("idempotent-replayed") == "true"
        else:
            _problem(reply, outcome)
    first, again = replies[0], replies[1]
    if first.status == again.status == 201 and first.json()["hold_id"] != again.json()["hold_id"]:
        outcome.replay_mismatches += 1


def _problem(reply: Reply, outcome: Outcome) -> None:
    try:
        body = reply.json()
    except ValueError:
        body = None
    kind = body.get("type", "") if isinstance(body, dict) else ""
    outcome.problems[f"{reply.status} {str(kind).rsplit('/', 1)[-1] or '-'}"] += 1
