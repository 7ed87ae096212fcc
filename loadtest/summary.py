"""The figures of a load run, read from the JSON ``community.py`` writes, and its verdict.

Percentiles are nearest-rank over every measured request of the group (no histogram buckets).
A run fails when any request failed (errors are counted over the whole run, ramp-up and stop
included) or when the reads' p99 is above the bar; each figure is printed beside its bar.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Bars:
    read_p99_ms: float = 200.0
    errors: int = 0


@dataclass(frozen=True)
class Group:
    count: int
    p50_ms: float | None
    p99_ms: float | None


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (``share`` in 0–1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def group(values: list[float]) -> Group:
    return Group(len(values), percentile(values, 0.50), percentile(values, 0.99))


def load(path: Path) -> dict[str, Any]:
    """The run's JSON; a missing file means locust never got to write it."""
    if not path.exists():
        raise RuntimeError(f"locust wrote no summary ({path}); see its log")
    found: dict[str, Any] = json.loads(path.read_text())
    return found


def errors(run: dict[str, Any]) -> int:
    return sum(counts["errors"] for counts in run["names"].values())


def failures(run: dict[str, Any], bars: Bars) -> list[str]:
    """Why the run fails; empty when it passes."""
    found = []
    if (count := errors(run)) > bars.errors:
        found.append(f"{count} errors (bar {bars.errors})")
    reads = group(run["latencies_ms"]["read"])
    if reads.p99_ms is None:
        found.append("no read was measured")
    elif reads.p99_ms > bars.read_p99_ms:
        found.append(f"read p99 {reads.p99_ms:.1f} ms > {bars.read_p99_ms:g} ms")
    return found


def _ms(value: float | None) -> str:
    return "     -  " if value is None else f"{value:7.1f} ms"


def figure_lines(run: dict[str, Any], bars: Bars) -> list[str]:
    """Rate, reads and writes (p50, p99) and errors, each beside its bar and verdict."""
    reads, writes = (group(run["latencies_ms"][name]) for name in ("read", "write"))
    seconds = run["measured_s"]
    measured = reads.count + writes.count
    rate = measured / seconds if seconds > 0 else 0.0
    read_ok = reads.p99_ms is not None and reads.p99_ms <= bars.read_p99_ms
    count = errors(run)
    return [
        f"measured {seconds:.1f} s (all users started → stop): {measured:,} requests, "
        f"{rate:,.1f} requests/s",
        f"  reads  {reads.count:>7,}   p50 {_ms(reads.p50_ms)}   p99 {_ms(reads.p99_ms)}"
        f"   bar p99 ≤ {bars.read_p99_ms:g} ms   {'ok' if read_ok else 'FAIL'}",
        f"  writes {writes.count:>7,}   p50 {_ms(writes.p50_ms)}   p99 {_ms(writes.p99_ms)}"
        "   (no bar)",
        f"  errors {count:>7,}   over the whole run, ramp-up and stop included"
        f"   bar {bars.errors}   {'ok' if count <= bars.errors else 'FAIL'}",
    ]


def request_lines(run: dict[str, Any]) -> list[str]:
    """One line per request name (whole run), then a few samples of each error."""
    lines = ["  by request (whole run):"]
    for name, counts in sorted(run["names"].items(), key=lambda kv: -kv[1]["requests"]):
        lines.append(f"    {name:<34} {counts['requests']:>7,}   errors {counts['errors']:,}")
    for name, samples in run["errors"].items():
        lines += [f"    error in {name}: {sample}" for sample in samples]
    return lines
