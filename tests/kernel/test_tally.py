"""Tally and Timings read on a scrape exactly as prometheus_client's Counter and Histogram do."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from stampede.kernel.tally import Tally, Timings

DURATIONS = (0.001, 0.005, 0.0051, 0.3, 1.0, 9.0, 42.0)


def _samples(registry: CollectorRegistry) -> set[str]:
    lines = generate_latest(registry).decode().splitlines()
    return {line for line in lines if not line.startswith("#") and "_created" not in line}


def test_a_tally_reads_like_a_counter() -> None:
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    tally = Tally("things", "Things", ["kind", "status"], registry=ours)
    counter = Counter("things", "Things", ["kind", "status"], registry=theirs)
    for kind, status, amount in (("a", 200, 1), ("a", 200, 2), ("b", 409, 1)):
        tally.add((kind, status), amount)
        counter.labels(kind, str(status)).inc(amount)
    assert _samples(ours) == _samples(theirs)
    assert tally.value(("a", 200)) == 3 and tally.value(("c", 200)) == 0


def test_timings_read_like_a_histogram() -> None:
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    timings = Timings("spent_seconds", "Time spent", ["route"], registry=ours)
    histogram = Histogram("spent_seconds", "Time spent", ["route"], registry=theirs)
    for seconds in DURATIONS:
        timings.observe(("x",), seconds)
        histogram.labels("x").observe(seconds)
    timings.observe(("y",), 0.01)
    histogram.labels("y").observe(0.01)
    assert _samples(ours) == _samples(theirs)
    assert 'spent_seconds_bucket{le="0.005",route="x"} 2.0' in _samples(ours)
