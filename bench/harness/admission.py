"""The waiting room's admission rate and order, measured on the server.

A fresh waiting-room deal gets the rate :data:`RATE` per second. :data:`ENTRANTS` buyers enter
one after another over one connection, so the order the server saw is the order they were
sent. Then the server's own counter ``stampede_sales_admitted_total`` (``/metrics`` of the
process that runs sales) is sampled every :data:`SAMPLE_S` for :data:`WINDOW_S`, after the
bucket's initial burst has been let in; the admission rate is the least-squares slope of those
samples (the admitter works in 100 ms ticks, which a slope over many samples averages out).
Finally every ticket is polled, last entrant first: the admitted ones must be exactly the
first k entrants.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from harness import buyers, sale
from harness.client import Pool

RATE = 100.0  # admissions per second under test
ENTRANTS = 2_500
SETTLE_S = 2.0  # after entering: let the initial burst through before sampling
WINDOW_S = 8.0
SAMPLE_S = 0.25
COUNTER = "stampede_sales_admitted_total"


@dataclass(frozen=True)
class Admission:
    configured: float
    measured: float
    samples: int
    admitted: int
    entrants: int
    in_order: bool

    @property
    def error(self) -> float:
        return self.measured / self.configured - 1


async def measure(
    api: Pool, sales: Pool, tokens: dict[str, str], crowd: list[buyers.Buyer]
) -> Admission:
    """``api`` sets the sale up; ``sales`` (the process running sales) takes the entries, the
    polls and the ``/metrics`` samples."""
    listing_id = await sale.new_sale(
        api, tokens, stock=1, waiting_room=True, title="bench admission", rate_per_s=RATE
    )
    entrants = crowd[:ENTRANTS]
    tickets = [await _enter(sales, buyer, listing_id) for buyer in entrants]
    await asyncio.sleep(SETTLE_S)
    points = await _sample(sales)
    # Last entrant first: admissions go on while we poll, and polled in this order the admitted
    # ones still form a prefix exactly when admission follows arrival order.
    pairs = list(zip(entrants, tickets, strict=True))[::-1]
    admitted = [await _admitted(sales, buyer, ticket) for buyer, ticket in pairs][::-1]
    first_waiting = admitted.index(False) if False in admitted else len(admitted)
    return Admission(
        configured=RATE,
        measured=_slope(points),
        samples=len(points),
        admitted=sum(admitted),
        entrants=len(entrants),
        in_order=not any(admitted[first_waiting:]),
    )


async def _enter(pool: Pool, buyer: buyers.Buyer, listing_id: str) -> str:
    reply = await pool.request("POST", f"/api/sales/{listing_id}/queue", token=buyer.token)
    if reply.status not in (200, 201):
        raise sale.SetupError(f"entering the waiting room answered {reply.status}")
    return str(reply.json()["ticket"])


async def _admitted(pool: Pool, buyer: buyers.Buyer, ticket: str) -> bool:
    reply = await pool.request("GET", f"/api/sales/queue/{ticket}", token=buyer.token)
    return reply.status == 200 and bool(reply.json()["admitted"])


async def _sample(metrics: Pool) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    end = time.monotonic() + WINDOW_S
    while time.monotonic() < end:
        points.append((time.monotonic(), await _count(metrics)))
        await asyncio.sleep(SAMPLE_S)
    return points


async def _count(metrics: Pool) -> float:
    reply = await metrics.request("GET", "/metrics")
    for line in reply.body.decode().splitlines():
        if line.startswith(COUNTER + " "):
            return float(line.split()[1])
    raise sale.SetupError(f"{COUNTER} is not in /metrics")


def _slope(points: list[tuple[float, float]]) -> float:
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_c = sum(c for _, c in points) / n
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    return sum((t - mean_t) * (c - mean_c) for t, c in points) / spread
