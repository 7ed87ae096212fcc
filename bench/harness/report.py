"""The printout: correctness table, throughput table (medians and ranges), targets, raw rounds.

Every number printed comes from the run that prints it; the only constant is the reference
system's 907.9 req/s (the seed's measured figure, DESIGN §4), printed beside the holds rate.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from harness.correctness import Outcome
from harness.load import Result
from harness.rounds import Round, progress
from harness.verify import Verdict

REFERENCE_RPS = 907.9
SERVER_BUSY_MIN, LOAD_BUSY_MAX, SPREAD_MAX, OTHERS_MAX = 0.90, 0.85, 0.20, 0.10


def correctness(runs: list[tuple[Outcome, Verdict]]) -> list[str]:
    head = (
        f"{'run':<26s} {'S':>5s} {'buyers':>7s} {'attempts':>8s} {'repeats':>8s} "
        f"{'same key':>8s} {'granted':>7s} {'oversell':>8s} {'dup/user':>8s} {'5xx':>4s} "
        f"{'API':>5s} {'DB live/pcs/taken':>17s} {'agree':>5s} {'s':>5s}"
    )
    lines = [head]
    for o, v in runs:
        db = f"{v.db_live}/{v.db_pieces}/{v.db_taken}"
        dup = max(o.duplicate_users, v.db_duplicates)
        lines.append(
            f"{o.label:<26s} {o.stock:5d} {o.buyers:7,d} {o.attempts:8,d} {o.repeats:8,d} "
            f"{o.same_key_repeats:8,d} {v.granted:7d} {v.oversell:8d} {dup:8d} {o.five_xx:4d} "
            f"{v.api_ok:5d} {db:>17s} {'yes' if v.agree else 'NO':>5s} {o.seconds:5.1f}"
        )
    for o, v in runs:
        lines.append(
            f"  {o.label}: {'PASS' if v.passed(o) else 'FAIL'} — holds statuses "
            f"{_hist(o.statuses)}; replays answered {o.replayed}, "
            f"same-key pairs with different holds {o.replay_mismatches}"
        )
        if o.skipped:
            lines.append(f"    TIME-BOUNDED: {o.skipped:,} buyers not started before the deadline")
        if o.waiting_room:
            lines.append(
                f"    waiting-room statuses {_hist(o.queue_statuses)}; "
                f"buyers never admitted {o.not_admitted}"
            )
        lines.append(f"    problems {dict(o.problems.most_common())}")
        lines.append(f"    timeline: {o.timeline()}")
        lines.append(f"    inventory: {v.inventory}; DB rows = answers: {v.db_matches_answers}")
    return lines


def _hist(counts: dict[int, int]) -> str:
    return " ".join(f"{s}×{n:,}" for s, n in sorted(counts.items()))


@dataclass
class Summary:
    name: str
    rps: list[float]
    ratio: list[float]
    p50: list[float]
    p99: list[float]
    results: list[Result]

    @property
    def spread(self) -> float:
        mid = statistics.median(self.rps)
        return (max(self.rps) - min(self.rps)) / mid if mid else 0.0


def summarize(rounds: list[Round], names: list[str]) -> dict[str, Summary]:
    out = {}
    for name in names:
        results = [r[name] for r in rounds]
        out[name] = Summary(
            name,
            [r.rps for r in results],
            [r[name].rps / r["hello"].rps for r in rounds],
            [r.p50_ms for r in results],
            [r.p99_ms for r in results],
            results,
        )
    return out


def _mr(values: list[float], fmt: str) -> str:
    med = statistics.median(values)
    if len(values) == 1:
        return format(med, fmt)
    return f"{format(med, fmt)} [{format(min(values), fmt)}–{format(max(values), fmt)}]"


def throughput(summaries: dict[str, Summary], labels: dict[str, str]) -> list[str]:
    lines = [
        f"{'endpoint':<34s} {'req/s median [range]':>26s} {'×hello median [range]':>24s} "
        f"{'p50 ms':>7s} {'p99 ms':>8s} {'cpu0/cpu1 %':>11s} {'server %':>8s}  answers"
    ]
    for name, s in summaries.items():
        last = s.results[-1]
        cpu0 = statistics.median(r.cpu[0] for r in s.results) * 100
        cpu1 = statistics.median(r.cpu[1] for r in s.results) * 100
        server = statistics.median(r.server_cores for r in s.results) * 100
        share = " ".join(f"{code}:{last.share(code) * 100:.0f}%" for code in sorted(last.statuses))
        lines.append(
            f"{labels.get(name, name):<34s} {_mr(s.rps, ',.0f'):>26s} {_mr(s.ratio, '.3f'):>24s} "
            f"{statistics.median(s.p50):7.2f} {statistics.median(s.p99):8.2f} "
            f"{cpu0:5.0f}/{cpu1:<5.0f} {server:8.0f}  {share}"
        )
    return lines


def flags(summaries: dict[str, Summary], rated: dict[str, str]) -> list[str]:
    """The DESIGN §4 validity checks, named where they fail (runs are flagged, not dropped).
    ``rated`` maps each rate-limited target to the target whose maximum it offers 80 % of."""
    lines = []
    for name, s in summaries.items():
        for number, r in enumerate(s.results, 1):
            notes = []
            if name in rated:
                share = r.rps / summaries[rated[name]].results[number - 1].rps
                if not 0.70 <= share <= 0.90:
                    notes.append(f"the offered load reached {share * 100:.0f}% of the maximum")
            if name not in rated and r.cpu[0] < SERVER_BUSY_MIN:
                notes.append(f"server core {r.cpu[0] * 100:.0f}% busy (< 90 %)")
            if r.cpu[1] > LOAD_BUSY_MAX:
                notes.append(f"load core {r.cpu[1] * 100:.0f}% busy (> 85 %)")
            if r.others_on_server_core > OTHERS_MAX:
                notes.append(
                    f"other processes used {r.others_on_server_core * 100:.0f}% of CPU 0 "
                    f"(server {r.server_cores * 100:.0f}%, interrupts {r.interrupts[0] * 100:.0f}%)"
                )
            if max(r.stolen) > OTHERS_MAX:
                notes.append(f"hypervisor steal {max(r.stolen) * 100:.0f}%")
            if r.socket_errors:
                notes.append(f"{r.socket_errors} socket errors")
            if notes:
                lines.append(f"  {name} round {number}: " + "; ".join(notes))
        if len(s.rps) > 1 and s.spread > SPREAD_MAX:
            lines.append(f"  {name}: spread across rounds {s.spread * 100:.0f}% (> 20 %)")
    return lines


def check(label: str, value: float, bar: float, unit: str = "×", higher: bool = True) -> str:
    ok = value >= bar if higher else value <= bar
    sign = "≥" if higher else "≤"
    shown = f"{value:.3f}{unit}" if unit == "×" else f"{value:,.1f}{unit}"
    target = f"{bar:g}{unit}" if unit == "×" else f"{bar:,g}{unit}"
    return f"  {label:<44s} {shown:>14s}   target {sign} {target:<10s} {'met' if ok else 'NOT MET'}"


def reference(holds_rps: float) -> str:
    return (
        f"  holds/s {holds_rps:,.0f} beside the reference system's {REFERENCE_RPS} req/s "
        f"({holds_rps / REFERENCE_RPS:.1f}× it)"
    )


def raw(measured: list[Round]) -> list[str]:
    return [
        progress(number, name, r)
        for number, results in enumerate(measured)
        for name, r in results.items()
    ]
