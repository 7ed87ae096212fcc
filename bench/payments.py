"""Synchronous vs asynchronous payment approval: N checkouts approve at once against the fake
payment provider answering every call after 500 ms.

Run: ``.venv/bin/python bench/payments.py [--checkouts N] [--quick]`` (N = 1,000 by default,
100 with ``--quick``; ``--help`` for the latency, the call timeout and the run order).

1. ``stampede fakepg`` runs as its own process (latency 0 while setting up) and the platform
   as ``stampede up`` in a temporary data dir with ``PAYMENT_PROVIDER_URL`` pointing at it, so
   every provider call crosses the network through the platform's pool of
   ``kernel/http_transport.py`` ``POOL_SIZE`` connections, each under ``CALL_TIMEOUT_S``.
2. Not timed: 2×N buyers are bulk-created, the demo business opens one deal of 2×N pieces
   (per-user limit 1, no waiting room), and each buyer holds, orders, starts the payment and
   presses Approve on the provider's page for a ``pg_token`` (:mod:`harness.checkout`, 50 at
   a time). Then the provider's latency is set to 500 ms and the platform left to go idle.
3. Measured, once per mode with its own N buyers (sync first unless ``--order async-first``):
   every ``POST /api/payment/payments/{id}/approve?mode=…`` written on its own primed
   connection before any answer is read. *All answered*: until the last buyer had an answer
   (sync: the outcome, 200; async: 202 ``approving``). *All approved*: from the first request
   written to the latest ``settled_at`` the platform recorded, read back through the API once
   no payment is ``approving`` any more (the same machine's wall clock).
4. Checked after each phase, once the platform is idle again (its events and saga steps
   handled, so the next phase starts from the same state): every payment ``approved`` with
   its whole amount captured, the provider's approved counter up by exactly N, every order
   PAID or CONFIRMED, no 5xx; approvals the platform logged as unanswered (its call timed out
   or failed fast) are counted, and the platform's CPU seconds are read from ``/proc``.

Every process the bench starts is stopped at the end, on errors and on Ctrl-C.
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
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "src"))
from harness import checkout, cluster, noise, procs
from harness.checkout import UNANSWERED, Burst, Checkout, ProviderAdmin, Settled
from harness.client import Pool
from harness.stage import pool_for

from stampede.kernel.http_transport import POOL_SIZE

COMMAND = ".venv/bin/python bench/payments.py"
UNHANDLED = "unhandled error"  # the platform's log event of a 500
REFERENCE = {"sync": 82.9, "async": 13.7}  # seconds: the reference system's, not ours


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkouts", type=int, help="approvals per mode (default 1,000)")
    parser.add_argument("--quick", action="store_true", help="100 checkouts per mode")
    parser.add_argument("--latency-ms", type=int, default=500, help="provider latency (500)")
    parser.add_argument("--call-timeout-s", type=float, help="the platform's CALL_TIMEOUT_S")
    parser.add_argument("--order", choices=("sync-first", "async-first"), default="sync-first")
    parser.add_argument("--parallel", type=int, default=50, help="buyers set up at a time")
    parser.add_argument("--wait-s", type=float, default=900.0, help="longest wait per step")
    parser.add_argument("--log-level", default="INFO", help="the platform's LOG_LEVEL")
    parser.add_argument("--keep-logs", action="store_true", help="keep the work dir and logs")
    return parser.parse_args()


def say(line: str) -> None:
    print(line, flush=True)


def main() -> None:
    args = options()
    procs.exit_on_signals()
    work = Path(tempfile.mkdtemp(prefix="payments-"))
    began, failed, interrupted = time.monotonic(), False, False
    try:
        run(args, work)
    except KeyboardInterrupt:
        say("\ninterrupted: stopping every process the bench started")
        interrupted = True
    except Exception as exc:  # report it, then clean up like any other end
        say(f"\nbench failed: {type(exc).__name__}: {exc}")
        failed = True
    finally:
        procs.stop_all()
        if failed or args.keep_logs:
            say(f"logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    flags = " ".join(sys.argv[1:])
    say(f"total {time.monotonic() - began:.0f} s; reproduce: {COMMAND} {flags}".rstrip())
    sys.exit(1 if failed else 130 if interrupted else 0)


def platform_env(args: argparse.Namespace, provider_url: str) -> dict[str, str]:
    """The flash-sale bench's settings, the provider's URL, and orders that stay payable."""
    env = {
        **cluster.bench_env(args.log_level, 1000.0, 0.01),
        "PAYMENT_PROVIDER_URL": provider_url,
        "ORDER_PAYMENT_DUE_S": "86400",
    }
    if args.call_timeout_s is not None:
        env["CALL_TIMEOUT_S"] = f"{args.call_timeout_s:g}"
    return env


def run(args: argparse.Namespace, work: Path) -> None:
    n = args.checkouts or (100 if args.quick else 1000)
    say(
        f"payment approval, sync vs async: {n:,} checkouts per mode, provider latency "
        f"{args.latency_ms} ms; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
        f"work dir {work}"
    )
    _, provider_url = checkout.start_provider(work)
    env, up = platform_env(args, provider_url), time.monotonic()
    platform = checkout.start_platform(work, env, say)
    say(
        f"fakepg at {provider_url} (own process); platform ready in {time.monotonic() - up:.1f} s "
        f"at {platform.url}; CALL_TIMEOUT_S {env.get('CALL_TIMEOUT_S', '5 (default)')}, "
        f"provider pool {POOL_SIZE} connections"
    )
    phases = asyncio.run(measure(args, platform, provider_url, n, work / "stampede.log"))
    report(phases, n, args.latency_ms)


async def measure(
    args: argparse.Namespace, platform: cluster.Cluster, provider_url: str, n: int, log: Path
) -> list[Phase]:
    """Set up (not timed), set the latency, then one measured phase per mode."""
    api, admin = pool_for(platform.url, args.parallel), ProviderAdmin(provider_url)
    pid = platform.server.pid
    bench = Bench(platform.url, api, admin, log, pid, args.wait_s, args.parallel)
    try:
        sync, asyn, took = await checkout.set_up(platform, api, n, args.parallel)
        say(
            f"{2 * n:,} buyers and a deal of {2 * n:,} pieces in {took[0]:.1f} s; every buyer "
            f"held, ordered, started paying and approved at the provider's page in {took[1]:.1f} "
            f"s ({args.parallel} at a time; not timed)"
        )
        await admin.set_latency(args.latency_ms)
        quiet = await checkout.await_quiet(pid, args.wait_s)
        say(f"provider latency set to {args.latency_ms} ms; platform idle after {quiet:.1f} s")
        groups = {"sync": sync, "async": asyn}
        modes = ["sync", "async"] if args.order == "sync-first" else ["async", "sync"]
        phases = []
        for mode in modes:
            say(noise.sample(procs.own_pids()).line())
            phases.append(await run_phase(bench, mode, groups[mode]))
            say(f"  {mode} phase done: {summary(phases[-1])}")
        return phases
    finally:
        await admin.close()
        await api.close()


@dataclass(frozen=True)
class Bench:
    """What every phase needs: where to send, how to read back, what to watch."""

    url: str  # the platform's public entry
    api: Pool  # for reading back (``parallel`` connections)
    admin: ProviderAdmin
    log: Path  # the platform's log
    server: int  # the platform's pid
    wait_s: float  # the longest wait for a burst, the approvals, the platform to go idle
    parallel: int


@dataclass
class Phase:
    mode: str
    n: int
    burst: Burst
    provider_s: float | None  # until the provider had approved all N (polled every 50 ms)
    settled: Settled
    orders: Counter[str]
    provider: dict[str, int]  # how the provider's counters moved during the phase
    unanswered: int  # approvals the platform logged as unanswered
    unhandled: int  # errors the platform logged as unhandled (its 500s)
    cpu: tuple[float, float, float]  # platform CPU s: until all answered, all captured, idle
    quiet_s: float  # waited after the payments were read back for the platform to go idle

    @property
    def approved_s(self) -> float | None:
        """From the first request to the latest approval recorded, if all were approved."""
        if self.settled.statuses != Counter({"approved": self.n}):
            return None
        assert self.settled.last_settled is not None
        return self.settled.last_settled - self.burst.began

    def recorded(self, share: float) -> float | None:
        """When that share of the approved payments had been recorded, from the first request."""
        stamps = self.settled.stamps
        if not stamps:
            return None
        return stamps[min(len(stamps) - 1, int(share * len(stamps)))] - self.burst.began

    @property
    def failed_answers(self) -> int:
        return sum(1 for s in self.burst.shots if s.status >= 500 or s.status == 0)

    def passed(self) -> bool:
        return (
            self.approved_s is not None
            and self.settled.captured_ok == self.n
            and self.provider["approved"] == self.n
            and set(self.orders) <= checkout.SETTLED_OK
            and self.failed_answers == 0
        )


async def run_phase(bench: Bench, mode: str, checkouts: list[Checkout]) -> Phase:
    """One measured burst of approvals; then the wait for its outcome, for the platform to go
    idle again, and the checks."""
    n, before, offset = len(checkouts), await bench.admin.stats(), checkout.log_size(bench.log)
    crowd, cpu = pool_for(bench.url, n), [checkout.cpu_s(bench.server)]
    try:
        burst = await checkout.fire(crowd, checkouts, mode, bench.wait_s)
    finally:
        await crowd.close()
    cpu.append(checkout.cpu_s(bench.server))
    target = before["approved"] + n
    provider_s = await checkout.await_provider(bench.admin, target, burst.began, bench.wait_s)
    cpu.append(checkout.cpu_s(bench.server))
    settled = await checkout.settle(bench.api, checkouts, bench.wait_s, bench.parallel)
    quiet_s = await checkout.await_quiet(bench.server, bench.wait_s)
    cpu.append(checkout.cpu_s(bench.server))
    orders = await checkout.order_statuses(bench.api, checkouts, 60.0, bench.parallel)
    after = await bench.admin.stats()
    moved = {key: after[key] - before[key] for key in after}
    unanswered = checkout.log_events(bench.log, offset, UNANSWERED)
    unhandled = checkout.log_events(bench.log, offset, UNHANDLED)
    used = (cpu[1] - cpu[0], cpu[2] - cpu[0], cpu[3] - cpu[0])
    logged = (unanswered, unhandled)
    return Phase(mode, n, burst, provider_s, settled, orders, moved, *logged, used, quiet_s)


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def summary(p: Phase) -> str:
    verdict = "PASS" if p.passed() else "FAIL"
    return (
        f"all answered {seconds(p.burst.seconds)}, all approved {seconds(p.approved_s)}, {verdict}"
    )


def histogram(counts: Counter[str]) -> str:
    return ", ".join(f"{key} ×{count:,}" for key, count in sorted(counts.items())) or "none"


def phase_lines(p: Phase) -> list[str]:
    took = sorted(s.seconds for s in p.burst.shots)
    p50, p99 = statistics.median(took), took[min(len(took) - 1, int(0.99 * len(took)))]
    http = Counter(f"{s.status}{' ' + s.slug if s.slug else ''}" for s in p.burst.shots)
    bodies = Counter(str(s.body.get("status")) for s in p.burst.shots if isinstance(s.body, dict))
    counters = ", ".join(f"{k} {v:,}" for k, v in p.provider.items() if v)
    return [
        f"{p.mode} (?mode={p.mode}), {p.n:,} approvals at once:",
        f"  all answered      {seconds(p.burst.seconds)}   (answer latency p50 {p50:.2f} s, "
        f"p99 {p99:.2f} s, max {took[-1]:.2f} s)",
        f"  answers           HTTP {histogram(http)}; payment status in the answer: "
        f"{histogram(bodies)}",
        f"  all approved      {seconds(p.approved_s)}   (first request → latest settled_at; "
        f"the provider had approved all {p.n:,} after {seconds(p.provider_s)}){partial(p)}",
        f"  approvals         recorded p50 {seconds(p.recorded(0.5))}, p99 "
        f"{seconds(p.recorded(0.99))} after the first request (of those approved)",
        f"  payments after    {histogram(p.settled.statuses)}; whole amount captured "
        f"{p.settled.captured_ok:,}"
        + (" (ready: the approve never took effect)" if "ready" in p.settled.statuses else ""),
        f"  orders after      {histogram(p.orders)}",
        f"  provider counters {counters or 'no change'} (approved must be exactly {p.n:,})",
        f"  platform log      {p.unanswered:,} '{UNANSWERED}' (the provider call timed out or "
        f"failed fast: left approving for the reconciler); {p.unhandled:,} '{UNHANDLED}' (500s)",
        f"  platform CPU      {p.cpu[0]:.1f} s while answering ({p.cpu[0] / p.burst.seconds:.2f} "
        f"of a core), {p.cpu[1]:.1f} s until the provider had approved all (or its count "
        f"stood still {checkout.STALL_S:.0f} s), {p.cpu[2]:.1f} s "
        f"until idle ({p.cpu[2] / p.n * 1000:.0f} ms per checkout: approval, its events and "
        f"saga steps, the read-back; idle {p.quiet_s:.0f} s after the read-back)",
        f"  verdict           {'PASS' if p.passed() else 'FAIL'} (approved once each, orders "
        f"PAID/CONFIRMED, {p.failed_answers} 5xx or unanswered requests)",
    ]


def partial(p: Phase) -> str:
    """When not all were approved: how many were, and when the latest of them was."""
    approved, last = p.settled.statuses.get("approved", 0), p.settled.last_settled
    if p.approved_s is not None or last is None:
        return ""
    return f"; NOT ALL: {approved:,} approved, the latest {last - p.burst.began:.2f} s in"


def ratio(top: float | None, bottom: float | None) -> str:
    return "—" if top is None or not bottom else f"{top / bottom:.1f}×"


def report(phases: list[Phase], n: int, latency_ms: int) -> None:
    say(f"\nresults: {n:,} concurrent checkouts per mode, provider latency {latency_ms} ms")
    for p in phases:
        for line in phase_lines(p):
            say(line)
    by = {p.mode: p for p in phases}
    sync, asyn = by["sync"], by["async"]
    say("sync ÷ async, this run:")
    for label, top, bottom in (
        ("all answered", sync.burst.seconds, asyn.burst.seconds),
        ("all approved", sync.approved_s, asyn.approved_s),
        ("p50 recorded", sync.recorded(0.5), asyn.recorded(0.5)),
    ):
        say(f"  {label}  {seconds(top)} ÷ {seconds(bottom)} = {ratio(top, bottom)}")
    ref = REFERENCE
    say(
        f"reference system (not ours; its figures, for comparison only): sync {ref['sync']} s, "
        f"async {ref['async']} s, {ref['sync'] / ref['async']:.1f}×"
    )


if __name__ == "__main__":
    main()
