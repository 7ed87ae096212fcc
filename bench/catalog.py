"""Catalog list and search latency on 10,000 listings, embedded (bar: p99 ≤ 50 ms).

Run: ``.venv/bin/python bench/catalog.py`` (``--listings N``, ``--requests N`` to vary it).

Builds the embedded platform (SQLite under a temporary directory, memory bus and store) as the
tests do, fills the catalog with deals across every category (windows over the next 14 days)
and rental cars through the importer's upsert, in transactions of 500, waits until the outbox
is drained and then 10 s more (measured: in the first seconds after writing 10,000 rows, with
a 10 MB write-ahead log and the background jobs catching up, requests take up to 1.4 s), then
sends each request pattern sequentially through one in-process httpx client (ASGITransport,
the whole gateway stack with its rate limiter): 30 warm-up requests, then the measured ones. A bare
ASGI "hello" app mounted on the same client is measured in the same run, and each endpoint's
throughput is printed as a ratio to it, so numbers from different machines can be compared.
"""

# ruff: noqa: T201 (a benchmark prints its table)
from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import statistics
import sys
import tempfile
import time
import unicodedata
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import httpx
from starlette.types import Receive, Scope, Send

sys.path.insert(0, str(Path(__file__).parents[1] / "src"))
from stampede.catalog.domain.listings import CarIn, DealIn
from stampede.catalog.handlers.listings import upsert_imported
from stampede.catalog.store import CatalogUoW
from stampede.compose import Platform, build
from stampede.kernel import outbox
from stampede.kernel.module import Runtime
from stampede.kernel.observe import configure_logging
from stampede.kernel.settings import Settings

BAR_MS = 50.0
WARM_UP = 30
SETTLE_S = 10.0  # right after the fill, latencies are 5-20x worse for ~10 s (see docstring)
BATCH = 500
COMMAND = ".venv/bin/python bench/catalog.py"
PRODUCTS = {
    "digital": [("삼성 갤럭시 S24", "Samsung Galaxy S24"), ("LG 그램 16", "LG gram laptop"),
                ("애플 에어팟 프로", "Apple AirPods Pro"), ("갤럭시 버즈3", "Galaxy Buds3")],
    "food": [("제주 감귤 5kg", "Jeju tangerines"), ("한우 등심 500g", "Hanwoo sirloin")],
    "fashion": [("나이키 에어포스 1", "Nike Air Force 1"), ("패딩 점퍼", "Down jacket")],
    "beauty": [("설화수 크림", "Sulwhasoo cream"), ("라네즈 마스크", "Laneige mask")],
    "living": [("다이슨 청소기", "Dyson vacuum"), ("전기밥솥 6인용", "Rice cooker")],
    "sports": [("요가매트 10mm", "Yoga mat"), ("캠핑 텐트", "Camping tent")],
}  # fmt: skip
CARS = ["현대 아반떼", "기아 K5", "현대 쏘나타", "기아 카니발", "제네시스 G80"]


def deal(rng: random.Random, n: int, runtime: Runtime) -> DealIn:
    category = rng.choice(list(PRODUCTS))
    name, english = rng.choice(PRODUCTS[category])
    opens = runtime.now().replace(minute=0, second=0, microsecond=0)
    opens += timedelta(hours=rng.randint(1, 14 * 24))
    price = rng.randint(10, 2000) * 1000
    return DealIn(
        kind="deal", external_id=f"bench-deal-{n}", title=f"{name} #{n}",
        description=f"{english} 타임딜", category=category, list_price=price,
        deal_price=price * 7 // 10, stock=rng.randint(10, 500), opens_at=opens,
        closes_at=opens + timedelta(hours=rng.choice((1, 2, 6, 24))),
    )  # fmt: skip


def car(rng: random.Random, n: int) -> CarIn:
    return CarIn(
        kind="car", external_id=f"bench-car-{n}", title=rng.choice(CARS),
        car_number=f"{10 + n // 10000}{'하허호'[n % 3]} {n % 10000:04d}",
        region=rng.choice(("서울", "부산", "제주")), daily_rate=rng.randint(40, 200) * 1000,
    )  # fmt: skip


async def fill(platform: Platform, count: int) -> float:
    """``count`` listings (9 in 10 deals, the rest cars); seconds taken, outbox drained."""
    runtime, rng = platform.runtimes["catalog"], random.Random(7)
    started = time.perf_counter()
    for first in range(0, count, BATCH):
        async with CatalogUoW(runtime) as uow:
            for n in range(first, min(first + BATCH, count)):
                item = car(rng, n) if n % 10 == 9 else deal(rng, n, runtime)
                await upsert_imported(uow, item, None)
            await uow.commit()
    while (await outbox.stats(runtime.db)).pending:
        await platform.settle()
    return time.perf_counter() - started


async def hello(scope: Scope, receive: Receive, send: Send) -> None:
    """The cheapest ASGI response: the floor any endpoint's time is compared with."""
    headers = [(b"content-type", b"text/plain")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"hello"})


Request = Callable[[], Awaitable[httpx.Response]]


async def measure(request: Request, times: int) -> tuple[list[float], float]:
    """Latencies in ms of ``times`` sequential requests after the warm-up, and their wall time."""
    for _ in range(WARM_UP):
        (await request()).raise_for_status()
    latencies: list[float] = []
    started = time.perf_counter()
    for _ in range(times):
        sent = time.perf_counter()
        reply = await request()
        latencies.append((time.perf_counter() - sent) * 1000)
        reply.raise_for_status()
    return latencies, time.perf_counter() - started


def padded(label: str, width: int = 34) -> str:
    """``label`` padded to ``width`` terminal columns (Hangul takes two)."""
    wide = sum(unicodedata.east_asian_width(c) in "WF" for c in label)
    return label + " " * max(0, width - len(label) - wide)


def row(label: str, latencies: list[float], wall: float, floor: float) -> tuple[str, bool]:
    """A table line: p50, p99, the verdict against the bar, req/s and its ratio to hello."""
    p50 = statistics.median(latencies)
    p99 = statistics.quantiles(latencies, n=100, method="inclusive")[98]
    rps = len(latencies) / wall
    verdict = "ok" if p99 <= BAR_MS else "OVER"
    line = f"{padded(label)} {p50:7.2f} {p99:7.2f} {verdict:>6s} {rps:8.0f} {rps / floor:7.3f}"
    return line, p99 <= BAR_MS


def patterns(client: httpx.AsyncClient, page_two: str) -> dict[str, Request]:
    def get(**params: str) -> Request:
        return lambda: client.get("/api/catalog/listings", params=params)

    return {
        "list ?window=week": get(window="week"),
        "list ?category=digital": get(category="digital"),
        "list ?kind=deal&category=food": get(kind="deal", category="food"),
        "search ?q=갤럭시": get(q="갤럭시"),
        "search ?q=galaxy": get(q="galaxy"),
        "list ?window=week&cursor=(page 2)": get(window="week", cursor=page_two),
    }


async def run(listings: int, requests: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.for_tests(Path(tmp), rate_limit_per_ip=10**9)  # limiter still runs
        app, platform = build(settings)
        await platform.start()
        try:
            filled = await fill(platform, listings)
            gc.collect()  # the fill's garbage is not the requests' cost
            await asyncio.sleep(SETTLE_S)
            print(f"filled {listings:,} listings in {filled:.1f} s")
            transport = httpx.ASGITransport(app=app)
            mounts = {"http://hello": httpx.ASGITransport(app=hello)}
            async with httpx.AsyncClient(
                transport=transport, mounts=mounts, base_url="http://testserver"
            ) as client:
                await report(client, listings, requests)
        finally:
            await platform.stop()


async def report(client: httpx.AsyncClient, listings: int, requests: int) -> None:
    first = await client.get("/api/catalog/listings", params={"window": "week"})
    page_two = first.raise_for_status().json()["next_cursor"]
    assert page_two, "the weekly list should have a second page"
    floor_latencies, floor_wall = await measure(lambda: client.get("http://hello/"), requests)
    floor = len(floor_latencies) / floor_wall
    print(
        f"\ncatalog: {listings:,} listings, embedded (SQLite, in-process ASGI through the "
        f"gateway), {requests} sequential requests each after {WARM_UP} warm-up; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        f"{'endpoint':34s} {'p50 ms':>7s} {'p99 ms':>7s} {'≤50ms':>6s} {'req/s':>8s} {'×hello':>7s}"
    )
    print(row("raw ASGI hello (same client)", floor_latencies, floor_wall, floor)[0])
    within = 0
    for label, request in patterns(client, page_two).items():
        latencies, wall = await measure(request, requests)
        line, ok = row(label, latencies, wall, floor)
        within += ok
        print(line)
    print(f"\n{within} of {len(patterns(client, page_two))} endpoints have p99 ≤ {BAR_MS:.0f} ms")
    print(f"reproduce: {COMMAND}")


def quiet_logs() -> None:
    """Production logging (JSON request lines at INFO), written to /dev/null: its cost is
    measured, a terminal's is not."""
    real, sys.stdout = sys.stdout, open(os.devnull, "w")  # noqa: SIM115 (open for the run)
    try:
        configure_logging("INFO")
    finally:
        sys.stdout = real


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    quiet_logs()
    asyncio.run(run(args.listings, args.requests))


if __name__ == "__main__":
    main()
