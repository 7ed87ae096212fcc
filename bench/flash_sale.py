"""A flash sale against the real platform: correctness under a crowd, then throughput with wrk.

Run: ``.venv/bin/python bench/flash_sale.py [--mode embedded|distributed] [--quick]``.

1. The platform starts as real processes (:mod:`harness.cluster`): ``stampede up`` in a
   temporary data dir (embedded), or identity, catalog, sales and the gateway as separate
   ``stampede serve`` processes on PostgreSQL, RabbitMQ and Redis (distributed). Baselines
   (:mod:`harness.baselines`: a raw ASGI hello and a naive Starlette + redis-py + Lua hold)
   run beside it under the same uvicorn flags.
2. Buyers are bulk-created in identity's database with their access tokens signed in-process
   (:mod:`harness.buyers`), the demo business creates deals through the catalog API.
3. Correctness (:mod:`harness.correctness`, :mod:`harness.verify`): S = 100 through the
   waiting room with 20×S buyers and five racing attempts each (100×S), then S = 1,000 the
   same way without the waiting room (skipped with ``--quick``); exactly S holds, no
   oversell, no duplicate per user, no 5xx, and the answers, the API, the database and the
   inventory agree.
4. Throughput (:mod:`harness.load`, :mod:`harness.rounds`): pinned layout (server on CPU 0,
   ``wrk -t1 -c64`` and the machine's Redis on CPU 1), interleaved rounds of hello, naive,
   holds, holds at 80 % of their maximum rate, queue enter and queue poll (distributed: also
   holds through the gateway); warm-up then measurement; medians, ranges, ratios to hello
   within each round, per-core CPU from ``/proc/stat`` and the server processes' own CPU.

Every process the bench starts is stopped at the end, on errors and on Ctrl-C; distributed
runs also drop their databases, RabbitMQ names and Redis keys.
"""

# ruff: noqa: T201 (a benchmark prints its report)
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "src"))
from harness import admission, cluster, load, noise, procs, report, rounds
from harness.stage import CORRECTNESS_RATE, Plan, Staged, stage

COMMAND = ".venv/bin/python bench/flash_sale.py"
LABELS = {
    "hello": "raw ASGI hello (uvicorn)",
    "naive": "naive Starlette+redis-py+Lua",
    "holds": "POST /api/sales/holds",
    "holds@80%": "  same, at 80 % of its max rate",
    "enter": "POST /api/sales/{id}/queue",
    "poll": "GET /api/sales/queue/{ticket}",
    "gateway": "holds through the Python gateway",
}


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("embedded", "distributed"), default="embedded")
    parser.add_argument("--quick", action="store_true", help="a ~1-2 minute smoke run")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 3; quick 1)")
    parser.add_argument("--warmup", type=int, help="seconds of warm-up (default 2; quick 1)")
    parser.add_argument("--duration", type=int, help="seconds measured (default 10; quick 3)")
    parser.add_argument("--buyers", type=int, help="accounts (default 20,000; quick 5,000)")
    parser.add_argument("--holds-stock", type=int, default=100, help="stock of each holds sale")
    parser.add_argument("--log-level", default="INFO", help="the platform's LOG_LEVEL")
    parser.add_argument(
        "--log-sample",
        type=float,
        default=0.01,
        help="the platform's ACCESS_LOG_SAMPLE (share of requests logged; 5xx always are)",
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the work dir and logs")
    return parser.parse_args()


def plan_of(args: argparse.Namespace) -> tuple[Plan, float, float]:
    quick = args.quick
    count = args.buyers or (5_000 if quick else 20_000)
    plan = Plan(
        buyers=count,
        small_stock=100,
        large_stock=None if quick else 1000,
        holds_stock=args.holds_stock,
        poll_tickets=min(count, 5000),
        rounds=args.rounds or (1 if quick else 3),
        tag=uuid.uuid4().hex[:8],
        budget_s=60.0 if quick else 150.0,
    )
    return plan, args.warmup or (1.0 if quick else 2.0), args.duration or (3.0 if quick else 10.0)


def main() -> None:
    args = options()
    procs.exit_on_signals()
    load.require_wrk()
    work = Path(tempfile.mkdtemp(prefix="flash-sale-"))
    began, failed, interrupted = time.monotonic(), False, False
    try:
        run(args, work, began)
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
    quick = " --quick" if args.quick else ""
    print(f"total {time.monotonic() - began:.0f} s; reproduce: {COMMAND} --mode {args.mode}{quick}")
    sys.exit(1 if failed else 130 if interrupted else 0)


def say(line: str) -> None:
    print(line, flush=True)


def run(args: argparse.Namespace, work: Path, began: float) -> None:
    plan, warm_s, measure_s = plan_of(args)
    say(
        f"flash sale, {args.mode} mode; {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} before start; work dir {work}; LOG_LEVEL {args.log_level}, "
        f"ACCESS_LOG_SAMPLE {args.log_sample:g} (access-log lines for that share of requests)"
    )
    env = cluster.bench_env(args.log_level, CORRECTNESS_RATE, args.log_sample)
    up = time.monotonic()
    platform = (cluster.distributed if args.mode == "distributed" else cluster.embedded)(work, env)
    say(
        f"platform ready in {time.monotonic() - up:.1f} s: entry {platform.url}, "
        f"sales API {platform.sales_url}"
    )
    hello_port, naive_port = procs.free_port(), procs.free_port()
    redis = {"BENCH_REDIS_URL": cluster.REDIS_URL}
    hello = procs.uvicorn_baseline("hello", hello_port, work / "hello.log", {})
    naive = procs.uvicorn_baseline("naive", naive_port, work / "naive.log", redis)
    procs.wait_ready(f"http://127.0.0.1:{hello_port}", hello, path="/")
    procs.wait_ready(f"http://127.0.0.1:{naive_port}", naive, path="/healthz")
    staged = asyncio.run(stage(platform, plan, hello_port, work))
    print_setup(staged, plan)
    print_correctness(staged, plan, args.mode)
    targets = targets_of(platform, staged, hello.pid, naive.pid, hello_port, naive_port)
    say(
        f"\nthroughput: {plan.rounds} interleaved round(s), {warm_s:g} s warm-up + "
        f"{measure_s:g} s each (elapsed so far {time.monotonic() - began:.0f} s)"
    )
    shared = "; PostgreSQL and RabbitMQ are the machine's services, not pinned"
    pinned = [*procs.pin_all(), *procs.pin_services(procs.LOAD_CPU)]
    say(
        "pinned for the rounds: "
        + "; ".join(pinned)
        + f"; wrk → CPU {procs.LOAD_CPU}"
        + (shared if args.mode == "distributed" else "")
    )
    say(noise.sample(procs.own_pids()).line())
    measured = rounds.run(targets, plan.rounds, warm_s, measure_s, say)
    say(noise.sample(procs.own_pids()).line())
    print_throughput(args.mode, measured, [t.name for t in targets], plan, staged)


def targets_of(
    platform: cluster.Cluster,
    staged: Staged,
    hello_pid: int,
    naive_pid: int,
    hello_port: int,
    naive_port: int,
) -> list[rounds.Target]:
    files = {name: tuple(paths) for name, paths in staged.files.items()}
    server = (platform.server.pid,)
    targets = [
        rounds.Target("hello", f"http://127.0.0.1:{hello_port}", files["hello"], (hello_pid,)),
        rounds.Target("naive", f"http://127.0.0.1:{naive_port}", files["naive"], (naive_pid,)),
        rounds.Target("holds", platform.sales_url, files["holds"], server),
        rounds.Target("holds@80%", platform.sales_url, files["holds"], server, rate_of="holds"),
        rounds.Target("enter", platform.sales_url, files["enter"], server),
        rounds.Target("poll", platform.sales_url, files["poll"], server),
    ]
    if "gateway" in files:
        both = (platform.server.pid, platform.gateway.pid)
        targets.append(rounds.Target("gateway", platform.url, files["gateway"], both))
    return targets


def print_setup(staged: Staged, plan: Plan) -> None:
    made, clients = staged.made, staged.clients
    say(
        f"buyers: {len(made.buyers):,} accounts bulk-created straight into identity's database "
        f"(one shared precomputed password hash, no sign-up events) in {made.insert_s:.1f} s; "
        f"access tokens signed in-process with identity's current signing key in "
        f"{made.sign_s:.1f} s"
    )
    say(
        f"correctness client: raw asyncio keep-alive pool {clients['raw']:.0f} µs CPU/request "
        f"vs httpx (bounded pool) {clients['httpx']:.0f} µs/request against hello → the raw "
        f"pool is used ({clients['httpx'] / clients['raw']:.1f}× lighter)"
    )


def print_correctness(staged: Staged, plan: Plan, mode: str) -> None:
    where = (
        "buyers call the sales service directly, as an ingress would (the Python gateway is "
        "measured by wrk below)"
        if mode == "distributed"
        else "buyers call the one process through its in-process gateway"
    )
    say(
        f"\ncorrectness ({staged.seconds['correctness']:.0f} s; per-user limit 1; five racing "
        f"attempts per buyer: same Idempotency-Key twice, another key, two without a key; "
        f"{where}; the platform is not pinned during these runs)"
    )
    for line in report.correctness(staged.runs):
        say(line)
    if plan.large_stock is None:
        say("  S=1000 run skipped (--quick); the default run makes it without the waiting room")
    else:
        say(
            "  S=1000 runs without the waiting room (bounded time: admitting 20,000 buyers at "
            f"{CORRECTNESS_RATE:g}/s would add ~20 s of waiting and nothing new to check)"
        )


def print_throughput(
    mode: str, measured: list[rounds.Round], names: list[str], plan: Plan, staged: Staged
) -> None:
    summaries = report.summarize(measured, names)
    say(
        "\nthroughput (pinned: server CPU 0, wrk -t1 -c64 on CPU 1; median [min–max] over "
        f"{len(measured)} round(s); ×hello within each round; 'server %' = the server "
        "processes' own CPU; latency at 80 % uses wrk's delay() hook, Poisson-like, calibrated "
        "on the warm-up — wrk2 is not packaged here; each round's holds sale has stock "
        f"{plan.holds_stock:,}, sold during the warm-up when the grant path keeps up)"
    )
    for line in report.throughput(summaries, LABELS):
        say(line)
    say("validity checks (DESIGN §4; flagged, not dropped):")
    for line in report.flags(summaries, {"holds@80%": "holds"}) or [
        "  all measurements within bounds"
    ]:
        say(line)
    say("\ntargets (medians):")
    for line in targets(mode, summaries):
        say(line)
    for outcome, _ in staged.runs:
        say(
            f"  grant path in the {outcome.label} run (new holds, durably recorded): "
            f"{outcome.timeline() or 'no grants'}"
        )
    if staged.admission is not None:
        say(admission_line(staged.admission))
    say("\nraw per-round numbers:")
    for line in report.raw(measured):
        say(line)


def admission_line(a: admission.Admission) -> str:
    """The waiting room's measured admission rate against the configured one, and its order."""
    verdict = "met" if abs(a.error) <= 0.01 and a.in_order else "NOT MET"
    order = "in arrival order" if a.in_order else "OUT OF ORDER"
    return (
        f"  admission rate: configured {a.configured:g}/s, measured {a.measured:.1f}/s "
        f"({a.error:+.2%}; slope of {a.samples} samples of the server's admitted counter); "
        f"{a.admitted:,} of {a.entrants:,} entrants admitted, {order}   target ±1 %, in "
        f"order   {verdict}"
    )


def targets(mode: str, s: dict[str, report.Summary]) -> list[str]:
    med = statistics.median
    holds_ratio, holds_rps = med(s["holds"].ratio), med(s["holds"].rps)
    p99_80, p99_max = med(s["holds@80%"].p99), med(s["holds"].p99)
    lines = []
    if mode == "distributed":
        lines.append(report.check("holds/s ÷ hello (sales service)", holds_ratio, 0.40))
        lines.append(report.check("p99 at 80 % of max rate", p99_80, 15, " ms", False))
        lines.append(report.check("p99 at saturation", p99_max, 25, " ms", False))
        gateway = med(s["gateway"].ratio)
        lines.append(
            f"  holds through the Python gateway: {gateway:.3f}× hello (no bar; sales and "
            "gateway share CPU 0)"
        )
    else:
        lines.append(report.check("holds/s ÷ hello", holds_ratio, 0.30))
        lines.append(report.check("holds/s", holds_rps, 5000, "/s"))
        lines.append(report.check("p99 at 80 % (distributed bar)", p99_80, 15, " ms", False))
        lines.append(report.check("p99 at saturation (distributed bar)", p99_max, 25, " ms", False))
    lines.append(report.check("poll ÷ hello", med(s["poll"].ratio), 0.40))
    lines.append(report.check("enter ÷ hello", med(s["enter"].ratio), 0.35))
    lines.append(report.reference(holds_rps))
    return lines


if __name__ == "__main__":
    main()
