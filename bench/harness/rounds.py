"""Interleaved rounds: every target measured once per round, in the same order each round.

Interleaving (hello, naive, holds, holds at 80 %, enter, poll, …, then again) spreads slow
drifts of the shared machine over every target alike, and each endpoint's ratio to hello is
taken within its own round. A target may use a different request file each round (the holds
targets get a fresh sale per round, so each round starts with stock and then sells out).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness import load


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    requests: tuple[Path, ...]  # one per round (cycled)
    pids: tuple[int, ...]  # the server processes whose CPU is counted
    rate_of: str | None = None  # offered at 80 % of that target's saturated rate, this round
    share: float = 0.8

    def file(self, round_no: int) -> Path:
        return self.requests[round_no % len(self.requests)]


Round = dict[str, load.Result]


def run(
    targets: list[Target],
    rounds: int,
    warm_s: float,
    measure_s: float,
    say: Callable[[str], None],
) -> list[Round]:
    """``rounds`` rounds over ``targets``; ``say`` gets one progress line per measurement."""
    done: list[Round] = []
    for number in range(rounds):
        measured: Round = {}
        for target in targets:
            if target.rate_of is not None:
                rate = measured[target.rate_of].rps * target.share
                result = load.at_rate(
                    target.url, target.file(number), rate, warm_s, measure_s, target.pids
                )
            else:
                result = load.saturate(
                    target.url, target.file(number), warm_s, measure_s, target.pids
                )
            measured[target.name] = result
            say(progress(number, target.name, result))
        done.append(measured)
    return done


def progress(number: int, name: str, r: load.Result) -> str:
    """One measurement on one line: rate, count, latency, CPU per core (interrupts), statuses."""
    statuses = " ".join(f"{s}×{n:,}" for s, n in sorted(r.statuses.items()))
    cpu = "/".join(f"{c * 100:.0f}" for c in r.cpu)
    irq = "/".join(f"{c * 100:.0f}" for c in r.interrupts)
    errors = f"  socket errors {r.socket_errors}" if r.socket_errors else ""
    return (
        f"  round {number + 1} {name:<10s} {r.rps:8,.0f} req/s n={r.requests:<8,d} "
        f"p50 {r.p50_ms:6.2f} p99 {r.p99_ms:7.2f} ms  cpu% {cpu} (irq {irq}) "
        f"server {r.server_cores * 100:3.0f}%  {statuses}{errors}"
    )
