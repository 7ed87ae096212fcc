"""Races for one thing against the real platform: 500 buyers for one seat, 50 rounds, then
1,000 overlapping rentals of one car.

Run: ``.venv/bin/python bench/races.py [--mode embedded|distributed] [--quick] [--seed N]``.

The platform runs as real processes (:mod:`harness.cluster`: ``stampede up`` on SQLite, or
identity, catalog, sales and the gateway on PostgreSQL, RabbitMQ and Redis); buyers are
bulk-created in identity's database, tokens signed in-process (:mod:`harness.buyers`). Holds
go to the sales API (embedded: the one process; distributed: the sales service itself, as an
ingress would call it) over :mod:`harness.client` keep-alive connections, one per buyer, all
opened and used once (``GET /healthz``) before each burst; a burst writes every request
without waiting for any answer (how long the writing took is printed).

1. Seats: the demo business creates a performance, one session of max(50, rounds) seats, no
   waiting room, per-user limit 100. Once sales has the seats (table ``sale_seats``), each
   round shuffles the buyers and all of them ask ``{"listing_id", "seat_ids": [seat k]}`` at
   once. Expected: one 201 per round, 409 for the rest (anything else is an error). Then the
   sales database must show for each seat exactly one live hold, in ``holds.seat_ids`` and in
   ``hold_seats``, the one its 201 named, and no other live hold.
2. Car: the demo admin creates a car; 1,000 buyers ask at once for random 1–5 day ranges in a
   20-day window from tomorrow (``end_date`` is the return day, not held). Expected: 201 or
   409 only, granted ranges pairwise disjoint and as asked; in the database no day in two
   live holds (recomputed from live ``holds.first_day/end_day``), ``hold_days`` rows exactly
   the days of the live holds, and the live holds exactly the 201s. A 409 whose range
   overlaps no granted range is counted as unexplained.

Latency is per request, client side: from just before it is written to the end of its answer
(one Python process plays every buyer, so its own handling of a burst is included).
"""

# ruff: noqa: T201 (a benchmark prints its report)
from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import combinations
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "src"))
from harness import buyers, cluster, noise, procs, sale
from harness.client import Pool, Shot, burst
from harness.stage import pool_for

COMMAND = ".venv/bin/python bench/races.py"
SEAT_LIMIT = 100  # the catalog's largest per-user limit: a buyer may win every round
LIVE = "listing_id = :l AND state = 'live'"
Row = tuple[str, str, str]  # check, verdict, measured
Burst = tuple[list[Shot], float, list[float]]  # shots, wall seconds, ms each burst's writing took


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("embedded", "distributed"), default="embedded")
    parser.add_argument("--quick", action="store_true", help="10 seat rounds instead of 50")
    parser.add_argument("--rounds", type=int, help="seat rounds, ≤ 100 (default 50; quick 10)")
    parser.add_argument("--clients", type=int, default=500, help="buyers racing for each seat")
    parser.add_argument("--renters", type=int, default=1000, help="buyers racing for the car")
    parser.add_argument("--window", type=int, default=20, help="days the rentals fall within")
    parser.add_argument("--seed", type=int, default=random.randrange(10**6), help="RNG seed")
    parser.add_argument("--log-level", default="INFO", help="the platform's LOG_LEVEL")
    parser.add_argument("--keep-logs", action="store_true", help="keep the work dir and logs")
    args = parser.parse_args()
    args.rounds = args.rounds or (10 if args.quick else 50)
    if not 1 <= args.rounds <= SEAT_LIMIT or args.window < 5:
        parser.error(f"--rounds must be 1..{SEAT_LIMIT} and --window at least 5")
    return args


def main() -> None:
    args = options()
    procs.exit_on_signals()
    work = Path(tempfile.mkdtemp(prefix="races-"))
    began, failed, missed, interrupted = time.monotonic(), False, False, False
    try:
        say(
            f"races, {args.mode} mode; {os.cpu_count()} CPUs, load average "
            f"{os.getloadavg()[0]:.1f} before start; seed {args.seed}; work dir {work}"
        )
        env, up = cluster.bench_env(args.log_level, 1000.0, 0.01), time.monotonic()
        start = cluster.distributed if args.mode == "distributed" else cluster.embedded
        platform = start(work, env)
        say(f"platform ready in {time.monotonic() - up:.1f} s; holds go to {platform.sales_url}")
        say(noise.sample(procs.own_pids()).line())
        rows = asyncio.run(races(platform, args))
        say(f"\n{'check':<38s} {'verdict':<7s} measured in this run")
        for check, mark, measured in rows:
            say(f"  {check:<36s} {mark:<7s} {measured}" if measured else check)
        missed = any(mark == "FAIL" for _, mark, _ in rows)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping every process the bench started")
        interrupted = True
    except Exception as exc:  # report it, then clean up like any other end
        print(f"\nbench failed: {type(exc).__name__}: {exc}")
        failed = True
    finally:
        procs.stop_all()
        for line in cluster.clean_up():
            print(f"clean-up: {line}")
        if failed or args.keep_logs:
            print(f"logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"total {time.monotonic() - began:.0f} s; reproduce: {reproduce(args)}")
    sys.exit(1 if failed or missed else 130 if interrupted else 0)


def reproduce(args: argparse.Namespace) -> str:
    """The command that runs this again: the mode, --quick, the seed and any changed size."""
    sizes = {"rounds": 10 if args.quick else 50, "clients": 500, "renters": 1000, "window": 20}
    changed = "".join(
        f" --{k} {getattr(args, k)}" for k, v in sizes.items() if getattr(args, k) != v
    )
    quick = " --quick" if args.quick else ""
    return f"{COMMAND} --mode {args.mode}{quick} --seed {args.seed}{changed}"


def say(line: str) -> None:
    print(line, flush=True)


@dataclass
class Bench:
    api: Pool  # the public entry: log-ins, listings
    sales: Pool  # where the bursts go
    engine: AsyncEngine  # the sales database
    args: argparse.Namespace
    rng: random.Random

    async def rows(self, sql: str, listing_id: str) -> list[Any]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(text(sql), {"l": listing_id})).all())

    async def on_sale(self, sql: str, listing_id: str, want: int) -> list[Any]:
        """Poll the sales database until ``sql`` gives ``want`` rows (sales knows the listing)."""
        started = time.monotonic()
        while time.monotonic() - started < 60:
            found = await self.rows(sql, listing_id)
            if len(found) >= want:
                say(f"  sales has listing {listing_id} after {time.monotonic() - started:.1f} s")
                return found
            await asyncio.sleep(0.1)
        raise sale.SetupError(f"sales did not learn listing {listing_id} in 60 s")

    async def burst(self, asks: list[tuple[str, dict[str, Any]]]) -> Burst:
        shots, seconds = await burst(self.sales, "POST", "/api/sales/holds", asks)
        return shots, seconds, [(max(s.sent for s in shots) - min(s.sent for s in shots)) * 1e3]


async def races(platform: cluster.Cluster, args: argparse.Namespace) -> list[Row]:
    api = pool_for(platform.url, 8)
    sales = pool_for(platform.sales_url, max(args.clients, args.renters))
    engine = create_async_engine(platform.settings.database_url_for("sales"))
    bench = Bench(api, sales, engine, args, random.Random(args.seed))
    try:
        logins = (("business", "shop1@stampede.local"), ("admin", "admin@stampede.local"))
        tokens = {role: await sale.login(api, email) for role, email in logins}
        count, tag = args.clients + args.renters, uuid.uuid4().hex[:8]
        made = await buyers.bulk_buyers(platform.settings, count, tag)
        say(
            f"buyers: {count:,} distinct accounts written to identity's database in "
            f"{made.insert_s:.1f} s, tokens signed in {made.sign_s:.1f} s"
        )
        crowd, renters = made.buyers[: args.clients], made.buyers[args.clients :]
        rows = await seat_race(bench, tokens["business"], crowd)
        return rows + await car_race(bench, tokens["admin"], renters)
    finally:
        await api.close()
        await sales.close()
        await engine.dispose()


async def seat_race(bench: Bench, business: str, crowd: list[buyers.Buyer]) -> list[Row]:
    args, count = bench.args, max(50, bench.args.rounds)
    show = sale.performance_body(
        count, per_user_limit=SEAT_LIMIT, waiting_room=False, title=f"races {args.seed}"
    )
    listing = await sale.create_listing(bench.api, business, show)
    sql = "SELECT seat_id FROM sale_seats WHERE listing_id = :l ORDER BY seat_id"
    seats = [str(r[0]) for r in await bench.on_sale(sql, listing, count)][: args.rounds]
    shots: list[Shot] = []
    wins: list[list[str]] = []  # the hold ids of each round's 201s
    winners: set[str] = set()
    spread: list[float] = []  # ms each burst's writing took
    seconds = 0.0
    for seat in seats:
        order = bench.rng.sample(crowd, len(crowd))
        got, took, within = await bench.burst(
            [(b.token, {"listing_id": listing, "seat_ids": [seat]}) for b in order]
        )
        shots += got
        spread += within
        seconds += took
        wins.append([s.body["hold_id"] for s in got if s.status == 201])
        winners |= {b.user_id for b, s in zip(order, got, strict=True) if s.status == 201}
    live = await bench.rows(f"SELECT hold_id, seat_ids FROM holds WHERE {LIVE}", listing)
    claims = await bench.rows(
        "SELECT c.seat_id, c.hold_id FROM hold_seats c JOIN holds h ON h.hold_id = c.hold_id "
        "WHERE h.listing_id = :l AND h.state = 'live'",
        listing,
    )
    in_column: dict[str, list[str]] = {}  # seat → live holds naming it in holds.seat_ids
    for hold_id, seat_ids in live:
        for seat in str(seat_ids).split(","):
            in_column.setdefault(seat, []).append(str(hold_id))
    claim = {str(seat): str(hold_id) for seat, hold_id in claims}
    good = sum(
        1
        for seat, won in zip(seats, wins, strict=True)
        if in_column.get(seat) == won == [claim.get(seat)]
    )
    extra = len({str(r[0]) for r in live} - {h for won in wins for h in won})
    low, high = min(len(won) for won in wins), max(len(won) for won in wins)
    return section(
        f"1. {len(crowd)} clients racing for one seat, {len(seats)} rounds",
        (shots, seconds, spread),
        ("one 201 per round, 409 for the rest", low == high == 1),
        f"201s per round: min {low}, max {high}; {len(winners)} distinct winning buyers",
        ("DB: each seat exactly one live hold", good == len(seats) and extra == 0),
        f"{good}/{len(seats)} seats: 1 live hold in holds.seat_ids = hold_seats = the 201; "
        f"{extra} other live holds",
    )


async def car_race(bench: Bench, admin: str, renters: list[buyers.Buyer]) -> list[Row]:
    args, rng = bench.args, bench.rng
    car = sale.car_body(f"races {args.seed}", f"{rng.randint(10, 99)}허 {rng.randint(1000, 9999)}")
    listing = await sale.create_listing(bench.api, admin, car)
    sql = "SELECT listing_id FROM sales WHERE listing_id = :l AND kind = 'dates' AND rentable"
    await bench.on_sale(sql, listing, 1)
    first, asked = datetime.now(UTC).date() + timedelta(days=1), []
    for _ in renters:
        days = rng.randint(1, 5)
        start = first + timedelta(days=rng.randint(0, args.window - days))
        asked.append((start, start + timedelta(days=days)))
    shots, seconds, spread = await bench.burst(
        [
            (b.token, {"listing_id": listing, "start_date": str(s), "end_date": str(e)})
            for b, (s, e) in zip(renters, asked, strict=True)
        ]
    )
    answered = list(zip(shots, asked, strict=True))
    granted = {s.body["hold_id"]: span(s.body) for s, _ in answered if s.status == 201}
    wrong = sum(1 for s, a in answered if s.status == 201 and span(s.body) != a)
    overlaps = sum(1 for a, b in combinations(granted.values(), 2) if a[0] < b[1] and b[0] < a[1])
    unexplained = sum(
        1
        for s, (start, end) in answered
        if s.status == 409 and not any(start < e and b < end for b, e in granted.values())
    )
    live = await bench.rows(f"SELECT hold_id, first_day, end_day FROM holds WHERE {LIVE}", listing)
    claims = await bench.rows("SELECT day, hold_id FROM hold_days WHERE listing_id = :l", listing)
    per_day = Counter(d for _, f, e in live for d in range(int(f), int(e)))
    doubled = sum(1 for n in per_day.values() if n > 1)
    claimed = Counter((int(d), str(h)) for d, h in claims)
    recomputed = Counter((d, str(h)) for h, f, e in live for d in range(int(f), int(e)))
    same = {str(r[0]) for r in live} == set(granted)
    held = sum((e - s).days for s, e in granted.values())
    return section(
        f"2. {len(renters):,} overlapping requests for one car",
        (shots, seconds, spread),
        ("granted ranges pairwise disjoint", overlaps == wrong == 0 and len(granted) > 0),
        f"{len(granted)} granted, {held} of {args.window} days held; {overlaps} overlapping "
        f"pairs; {wrong} 201s not as asked; {unexplained} 409s overlapping no grant",
        ("DB: no day in two live holds", doubled == 0 and claimed == recomputed and same),
        f"days in >1 live hold: {doubled}; hold_days rows = days of live holds: "
        f"{claimed == recomputed}; live holds = the 201s: {same} ({len(live)})",
    )


def span(hold: dict[str, Any]) -> tuple[date, date]:
    return date.fromisoformat(hold["start_date"]), date.fromisoformat(hold["end_date"])


def section(
    title: str,
    measured: Burst,
    race: tuple[str, bool],
    race_says: str,
    db: tuple[str, bool],
    db_says: str,
) -> list[Row]:
    """The rows of one race; its first check also fails on any status but 201 and 409."""
    shots, seconds, spread = measured
    errors = sum(1 for s in shots if s.status not in (201, 409))
    statuses = Counter(f"{s.status} {s.slug}".strip() for s in shots)
    ms = sorted(s.seconds * 1e3 for s in shots)
    p50, p99 = (ms[max(0, math.ceil(q * len(ms)) - 1)] for q in (0.5, 0.99))
    return [
        (title, "", ""),
        (race[0], "PASS" if race[1] and errors == 0 else "FAIL", race_says),
        (
            "statuses (not 201/409 = error)",
            "",
            ", ".join(f"{k}×{n:,}" for k, n in sorted(statuses.items())) + f"; errors {errors}",
        ),
        (
            "time, latency",
            "",
            f"{len(shots):,} requests in {seconds:.2f} s ({len(shots) / seconds:,.0f}/s), each "
            f"burst written within {statistics.median(spread):.0f} ms (median; max "
            f"{max(spread):.0f}); p50 {p50:.0f} ms, p99 {p99:.0f} ms, "
            f"max {ms[-1]:.0f} ms",
        ),
        (db[0], "PASS" if db[1] else "FAIL", db_says),
    ]


if __name__ == "__main__":
    main()
