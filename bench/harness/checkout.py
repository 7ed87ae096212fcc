"""Checkouts for the payment bench: the fake provider as its own process, buyers brought up to
the provider's approval, the approvals fired at once, and what they ended as.

* :func:`start_provider` runs ``stampede fakepg`` on a free port (latency 0);
  :class:`ProviderAdmin` turns its knobs and reads its counters (``/admin/*``, with the
  provider's secret key); :func:`start_platform` runs ``stampede up``.
* :func:`set_up` / :func:`prepare`: for each buyer, through the public API, hold one piece
  of the deal, order it (with a shipping address), start the payment, then press Approve on
  the provider's page (httpx, as a browser would) for the ``pg_token``; ``parallel`` buyers
  at a time. A step answered 503 (a context that has not learned of the deal yet) is asked
  again for a while (an order answered so has given its hold back: both are asked again).
* :func:`fire`: every ``POST …/approve?mode=…`` written on its own primed connection before
  any answer is read (as :func:`harness.client.burst`, with one path per payment).
* :func:`await_provider`, :func:`settle` and :func:`order_statuses` read the outcome: the
  provider's approved counter, every payment's status and ``settled_at`` through the API, and
  every order's status; :func:`cpu_s` and :func:`await_quiet` watch the platform's CPU.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx

from harness import cluster, procs
from harness.buyers import Buyer, bulk_buyers
from harness.client import Pool, Shot
from harness.load import process_ticks
from harness.sale import SetupError, login, new_sale
from stampede.fakepg.buyer import approve_at_page, pg_token
from stampede.kernel.settings import Settings

T = TypeVar("T")
P = "/api/payment/payments"
ADDRESS = "서울특별시 중구 세종대로 110, 벤치 1호"
RETRY_S = 30.0  # how long a setup step answered 503 is asked again
SETTLED_OK = frozenset({"PAID", "CONFIRMED"})
STALL_S = 60.0  # the reconciler takes approvals stale after 10 s and settles 50 every 2 s
IDLE = 0.2  # of a core: the platform's background jobs alone use ~0.1 when nothing happens
UNANSWERED = "payment.approval_unanswered"  # the platform's log event


@dataclass(frozen=True)
class Checkout:
    """One buyer at the moment of approving: the order, its payment, the page's token."""

    buyer: Buyer
    order_id: str
    payment_id: str
    pg_token: str


def start_platform(
    work: Path, env: dict[str, str], say: Callable[[str], None], attempts: int = 3
) -> cluster.Cluster:
    """``stampede up`` in ``work`` (:func:`harness.cluster.embedded`). When the process exits
    while starting — on a crowded machine the demo seed can outlast the in-process bus's
    settle timeout — it is said and started again on the same data dir, where the contexts
    already seeded are skipped, up to ``attempts`` times in all."""
    for attempt in range(1, attempts + 1):
        try:
            return cluster.embedded(work, env)
        except RuntimeError as exc:
            lines = [line for line in str(exc).splitlines() if line.strip()]
            if attempt == attempts or "exited" not in lines[0]:
                raise  # the last attempt, or still running but not ready
            say(f"platform start {attempt} failed ({' / '.join(lines[-2:])}); starting again")
    raise AssertionError("unreachable")


def start_provider(work: Path) -> tuple[procs.Child, str]:
    """``stampede fakepg`` as its own process; the child and its base URL."""
    port = procs.free_port()
    args = ["fakepg", "--port", str(port), "--latency-ms", "0"]
    child = procs.stampede("fakepg", args, {}, work / "fakepg.log", procs.LOAD_CPU)
    url = f"http://127.0.0.1:{port}"
    procs.wait_ready(url, child, path="/healthz")
    return child, url


class ProviderAdmin:
    """The provider's knobs and counters (``/admin/knobs``, ``/admin/stats``)."""

    def __init__(self, url: str) -> None:
        key = Settings().payment_provider_key
        headers = {"authorization": f"SECRET_KEY {key}"}
        self.client = httpx.AsyncClient(base_url=url, headers=headers, timeout=10)

    async def set_latency(self, latency_ms: int) -> None:
        reply = await self.client.put("/admin/knobs", json={"latency_ms": latency_ms})
        if reply.status_code != 200 or reply.json()["latency_ms"] != latency_ms:
            raise SetupError(f"PUT /admin/knobs: {reply.status_code} {reply.text[:300]}")

    async def stats(self) -> dict[str, int]:
        reply = await self.client.get("/admin/stats")
        reply.raise_for_status()
        found: dict[str, int] = reply.json()
        return found

    async def close(self) -> None:
        await self.client.aclose()


async def each(items: list[T], work: Callable[[T], Awaitable[Any]], parallel: int) -> list[Any]:
    """``work`` of every item, at most ``parallel`` at a time, results in the items' order."""
    gate = asyncio.Semaphore(parallel)

    async def one(item: T) -> Any:
        async with gate:
            return await work(item)

    return list(await asyncio.gather(*(one(item) for item in items)))


class Busy(SetupError):
    """A setup POST answered 503: a context has not learned of the deal yet."""


async def _post(
    pool: Pool, path: str, token: str, body: dict[str, Any], retry_s: float = RETRY_S
) -> dict[str, Any]:
    """A setup POST that must answer 201; a 503 is asked again for up to ``retry_s``, then
    raises :class:`Busy`."""
    deadline = time.monotonic() + retry_s
    while True:
        reply = await pool.request("POST", path, token=token, body=body)
        if reply.status == 201:
            found: dict[str, Any] = reply.json()
            return found
        if reply.status != 503 or time.monotonic() >= deadline:
            kind = Busy if reply.status == 503 else SetupError
            raise kind(f"POST {path}: {reply.status} {reply.body[:300]!r}")
        await asyncio.sleep(0.5)


async def _hold_and_order(pool: Pool, token: str, listing_id: str) -> dict[str, Any]:
    """Hold one piece and order it. An order answered 503 has given its hold back, so both
    are asked again, for up to :data:`RETRY_S`."""
    deadline, held = time.monotonic() + RETRY_S, {"listing_id": listing_id, "quantity": 1}
    while True:
        hold = await _post(pool, "/api/sales/holds", token, held)
        asked = {"hold_id": hold["hold_id"], "shipping_address": ADDRESS}
        try:
            return await _post(pool, "/api/ordering/orders", token, asked, retry_s=0)
        except Busy:
            if time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.5)


async def _checkout(pool: Pool, page: httpx.AsyncClient, buyer: Buyer, listing: str) -> Checkout:
    order = await _hold_and_order(pool, buyer.token, listing)
    payment = await _post(pool, P, buyer.token, {"order_id": order["order_id"]})
    callbacks = await approve_at_page(page, payment["redirect_url"])
    return Checkout(buyer, order["order_id"], payment["payment_id"], pg_token(callbacks[0]))


async def prepare(pool: Pool, crowd: list[Buyer], listing_id: str, parallel: int) -> list[Checkout]:
    """Every buyer of ``crowd`` brought up to the approve call (the first alone, so a setup
    problem shows once rather than ``parallel`` times)."""
    limits = httpx.Limits(max_connections=parallel, max_keepalive_connections=parallel)
    async with httpx.AsyncClient(limits=limits, timeout=30) as page:
        first = await _checkout(pool, page, crowd[0], listing_id)

        async def one(buyer: Buyer) -> Checkout:
            return await _checkout(pool, page, buyer, listing_id)

        return [first, *await each(crowd[1:], one, parallel)]


async def set_up(
    platform: cluster.Cluster, api: Pool, n: int, parallel: int
) -> tuple[list[Checkout], list[Checkout], list[float]]:
    """2×N buyers (the demo business logs in first, so the server has signed a token before
    :func:`harness.buyers.bulk_buyers` signs theirs), one deal of 2×N pieces, and every buyer
    brought up to the approve call; two groups of N, and the seconds of both steps."""
    started = time.monotonic()
    business = await login(api, "shop1@stampede.local")
    made = await bulk_buyers(platform.settings, 2 * n, uuid.uuid4().hex[:8])
    listing_id = await new_sale(
        api, {"business": business}, stock=2 * n, waiting_room=False, title="bench payments"
    )
    took = [time.monotonic() - started]
    ready = await prepare(api, made.buyers, listing_id, parallel)
    took.append(time.monotonic() - started - took[0])
    return ready[:n], ready[n:], took


@dataclass(frozen=True)
class Burst:
    shots: list[Shot]  # in the checkouts' order
    seconds: float  # until every buyer had an answer
    began: float  # wall clock (time.time) when the first request was written


async def fire(pool: Pool, checkouts: list[Checkout], mode: str, timeout_s: float) -> Burst:
    """Every approve at once, each on its own connection opened beforehand."""
    await pool.prime(len(checkouts))

    async def one(c: Checkout) -> Shot:
        path = f"{P}/{c.payment_id}/approve?mode={mode}"
        sent = time.perf_counter()
        try:
            reply = await pool.request(
                "POST", path, token=c.buyer.token, body={"pg_token": c.pg_token}
            )
        except (OSError, asyncio.IncompleteReadError) as exc:
            return Shot(0, type(exc).__name__, sent, time.perf_counter() - sent, None)
        took, data = time.perf_counter() - sent, _json(reply.body)
        if 200 <= reply.status < 300:
            return Shot(reply.status, "", sent, took, data)
        kind = data.get("type", "?") if isinstance(data, dict) else "?"
        return Shot(reply.status, str(kind).rsplit("/", 1)[-1], sent, took, None)

    began, wall = time.perf_counter(), time.time()
    async with asyncio.timeout(timeout_s):
        shots = await asyncio.gather(*(one(c) for c in checkouts))
    return Burst(list(shots), time.perf_counter() - began, wall)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


async def await_provider(
    admin: ProviderAdmin, target: int, began: float, timeout_s: float
) -> float | None:
    """Seconds from ``began`` (wall clock) until the provider's approved counter reached
    ``target``, polled every 50 ms; None when it did not within ``timeout_s``, or stood still
    for :data:`STALL_S` (some approvals never reached the provider, and no reconciler will
    send them: there is nothing left to wait for)."""
    deadline, last, moved = time.monotonic() + timeout_s, -1, time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - moved < STALL_S:
        approved = (await admin.stats())["approved"]
        if approved >= target:
            return time.time() - began
        if approved != last:
            last, moved = approved, time.monotonic()
        await asyncio.sleep(0.05)
    return None


@dataclass
class Settled:
    statuses: Counter[str]  # each payment's status when the wait ended
    stamps: list[float]  # wall clock of each approved payment's settled_at, in order
    captured_ok: int  # approved payments with captured == amount

    @property
    def last_settled(self) -> float | None:
        return self.stamps[-1] if self.stamps else None


async def settle(pool: Pool, checkouts: list[Checkout], timeout_s: float, parallel: int) -> Settled:
    """Read every payment through the API, the ones still ``approving`` again every 2 s until
    none is (or ``timeout_s`` has passed)."""
    found: dict[str, dict[str, Any]] = {}
    pending, deadline = list(checkouts), time.monotonic() + timeout_s

    async def read(c: Checkout) -> tuple[Checkout, dict[str, Any]]:
        reply = await pool.request("GET", f"{P}/{c.payment_id}", token=c.buyer.token)
        return c, (reply.json() if reply.status == 200 else {"status": f"HTTP {reply.status}"})

    while pending:
        for c, body in await each(pending, read, parallel):
            found[c.payment_id] = body
        pending = [c for c in pending if found[c.payment_id]["status"] == "approving"]
        if not pending or time.monotonic() > deadline:
            break
        await asyncio.sleep(2.0)  # light on the server, which may still be catching up
    approved = [b for b in found.values() if b["status"] == "approved"]
    stamps = sorted(datetime.fromisoformat(b["settled_at"]).timestamp() for b in approved)
    return Settled(
        Counter(b["status"] for b in found.values()),
        stamps,
        sum(1 for b in approved if b["captured"] == b["amount"]),
    )


async def order_statuses(
    pool: Pool, checkouts: list[Checkout], timeout_s: float, parallel: int
) -> Counter[str]:
    """Every order's status, read again until all are CONFIRMED (the saga's end for a deal
    once paid) or ``timeout_s`` has passed."""
    deadline = time.monotonic() + timeout_s

    async def read(c: Checkout) -> str:
        reply = await pool.request("GET", f"/api/ordering/orders/{c.order_id}", token=c.buyer.token)
        return str(reply.json()["status"]) if reply.status == 200 else f"HTTP {reply.status}"

    while True:
        statuses = Counter(await each(checkouts, read, parallel))
        if set(statuses) == {"CONFIRMED"} or time.monotonic() > deadline:
            return statuses
        await asyncio.sleep(1.0)


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system, all threads) the process has used so far."""
    return process_ticks([pid]) / os.sysconf("SC_CLK_TCK")


async def await_quiet(pid: int, timeout_s: float = 60.0, busy: float = IDLE) -> float:
    """Seconds until the process used under ``busy`` of a core over a whole second (its
    event consumers and saga steps have caught up), or ``timeout_s``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        before = cpu_s(pid)
        await asyncio.sleep(1.0)
        if cpu_s(pid) - before < busy:
            break
    return time.monotonic() - started


def log_size(log: Path) -> int:
    return log.stat().st_size


def log_events(log: Path, offset: int, event: str) -> int:
    """How many lines of ``log`` after byte ``offset`` name ``event``."""
    with log.open("rb") as handle:
        handle.seek(offset)
        return sum(1 for line in handle if event.encode() in line)
