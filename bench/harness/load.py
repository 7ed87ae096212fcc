"""Throughput and latency with wrk, and per-core CPU from ``/proc/stat``.

Layout (DESIGN §4, pinned): the server runs on CPU 0 (``taskset -c 0``), wrk on CPU 1
(``taskset -c 1 wrk -t1 -c64``). Each measurement is a warm-up run then a measured run; the
CPU counters of both cores are read around the measured run only. All measurements use the same
Lua script (``wrk/rotate.lua``): it cycles through a file of pre-built requests and tallies the
statuses, so the generator costs the same per request for baselines and endpoints.

Latency at a given rate (wrk2 is not packaged for Debian, so it is not used): wrk with the
script's ``delay()`` hook — each connection waits an exponentially distributed time before
each request, so 64 connections together send a roughly Poisson stream. The mean delay is
calibrated on the warm-up (two runs: achieved rate → the response time to subtract), and the
rate actually reached is reported beside the latency. wrk measures latency from the moment the
request is written, so the figure is response time at that offered load.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from harness.procs import LOAD_CPU, pinned

LUA = Path(__file__).parent / "wrk" / "rotate.lua"
CONNECTIONS = 64
INSTALL_HINT = (
    "wrk is missing: install it with `apt-get install -y wrk` (scripts/install does, as root)"
)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    token: str = ""
    body: str = ""


@dataclass
class Result:
    """One measured wrk run."""

    rps: float
    requests: int
    p50_ms: float
    p99_ms: float
    statuses: dict[int, int]
    socket_errors: int
    cpu: list[float] = field(default_factory=list)  # busy share of each core, 0..1
    server_cores: float = 0.0  # CPU the server processes themselves used, in cores
    interrupts: list[float] = field(default_factory=list)  # irq + softirq share of each core
    stolen: list[float] = field(default_factory=list)  # hypervisor steal share of each core

    @property
    def others_on_server_core(self) -> float:
        """CPU 0 busy with neither the server processes nor interrupts: other processes."""
        return max(0.0, self.cpu[0] - self.interrupts[0] - self.server_cores)

    def share(self, *codes: int) -> float:
        total = sum(self.statuses.values()) or 1
        return sum(self.statuses.get(c, 0) for c in codes) / total


def require_wrk() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit(INSTALL_HINT)
    return found


def write_requests(path: Path, requests: Iterable[Request]) -> Path:
    with path.open("w") as out:
        for r in requests:
            out.write(f"{r.method}\t{r.path}\t{r.token}\t{r.body}\n")
    return path


Jiffies = dict[str, tuple[int, ...]]


def cpu_times() -> Jiffies:
    """Per core, jiffies since boot: (busy, total, interrupts, stolen). Busy = user + nice +
    system + irq + softirq; interrupts = irq + softirq (loopback TCP is mostly softirq);
    stolen = time the hypervisor gave to other guests (not busy, not idle)."""
    times: Jiffies = {}
    for line in Path("/proc/stat").read_text().splitlines():
        name, *values = line.split()
        if name.startswith("cpu") and name != "cpu":
            n = [int(v) for v in values[:8]] + [0] * max(0, 8 - len(values))
            interrupts = n[5] + n[6]
            times[name] = (n[0] + n[1] + n[2] + interrupts, sum(n[:8]), interrupts, n[7])
    return times


def shares(before: Jiffies, after: Jiffies, field: int = 0) -> list[float]:
    """Per core, the share of elapsed jiffies spent on ``field`` (0 busy, 2 irq, 3 stolen)."""
    out = []
    for name in sorted(before, key=lambda n: int(n[3:])):
        total = after[name][1] - before[name][1]
        out.append((after[name][field] - before[name][field]) / total if total else 0.0)
    return out


def busy(before: Jiffies, after: Jiffies) -> list[float]:
    return shares(before, after, 0)


def process_ticks(pids: Iterable[int]) -> int:
    """User + system clock ticks used so far by ``pids`` (all their threads)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total


def wrk(
    url: str, requests: Path, seconds: float, mean_delay_ms: float = 0.0, pids: tuple[int, ...] = ()
) -> Result:
    """One wrk run (``-t1 -c64``, pinned to the load core), the busy share of each core and the
    CPU the server processes ``pids`` used meanwhile."""
    argv = pinned(
        LOAD_CPU,
        [
            require_wrk(),
            "-t1",
            f"-c{CONNECTIONS}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "5s",
            "-s",
            str(LUA),
            url,
            "--",
            str(requests),
            f"{mean_delay_ms:.3f}",
        ],
    )
    env = {**os.environ, "BENCH_DELAY": "1" if mean_delay_ms > 0 else "0"}
    before, ticks, started = cpu_times(), process_ticks(pids), time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=seconds + 60)
    after, used = cpu_times(), process_ticks(pids) - ticks
    wall = time.monotonic() - started
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout[-800:]}{done.stderr}")
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    seconds_run = raw["duration_us"] / 1e6
    return Result(
        rps=raw["requests"] / seconds_run,
        requests=raw["requests"],
        p50_ms=raw["p50"] / 1000,
        p99_ms=raw["p99"] / 1000,
        statuses={int(k): v for k, v in raw["statuses"].items()},
        socket_errors=raw["connect"] + raw["read"] + raw["write"] + raw["timeout"],
        cpu=busy(before, after),
        interrupts=shares(before, after, 2),
        stolen=shares(before, after, 3),
        server_cores=used / os.sysconf("SC_CLK_TCK") / wall,
    )


def saturate(
    url: str, requests: Path, warm_s: float, measure_s: float, pids: tuple[int, ...] = ()
) -> Result:
    """Closed loop, 64 connections: the maximum rate and the latency at saturation."""
    wrk(url, requests, warm_s)
    return wrk(url, requests, measure_s, pids=pids)


def at_rate(
    url: str,
    requests: Path,
    rate: float,
    warm_s: float,
    measure_s: float,
    pids: tuple[int, ...] = (),
) -> Result:
    """The latency when ``rate`` requests/s are offered (see the module docstring). The
    warm-up is two calibration runs of half its length each (at least a second: wrk counts
    whole seconds)."""
    period_ms = CONNECTIONS / rate * 1000  # per connection: think time + response time
    delay_ms = period_ms
    for _ in range(2):
        trial = wrk(url, requests, warm_s / 2, mean_delay_ms=delay_ms)
        response_ms = max(0.0, CONNECTIONS / max(trial.rps, 1.0) * 1000 - delay_ms)
        delay_ms = max(0.05, period_ms - response_ms)
    return wrk(url, requests, measure_s, mean_delay_ms=delay_ms, pids=pids)
