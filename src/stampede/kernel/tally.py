"""Counters and latency histograms cheap enough for every request of a crowd.

A ``prometheus_client`` metric takes a lock and a label lookup per update — a few microseconds
that add up when a process answers thousands of requests a second. :class:`Tally` and
:class:`Timings` keep their numbers in plain dicts keyed by the label values (updated only from
the event loop's thread, like everything that serves requests) and hand them to the registry as
ordinary counter and histogram families when it is scraped: ``/metrics`` reads exactly what
``Counter`` and ``Histogram`` would show, minus the ``_created`` samples.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence

from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

Labels = tuple[object, ...]  # the label values; written with str() when scraped
# prometheus_client's default buckets (seconds); +Inf is the last count of every series
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)


class _Family(Collector):
    """One metric family registered with ``registry``; subclasses keep and write its series."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str],
        registry: CollectorRegistry | None = REGISTRY,
    ) -> None:
        self.name, self.documentation, self.labelnames = name, documentation, tuple(labelnames)
        self.clear()
        if registry is not None:
            registry.register(self)

    def clear(self) -> None:
        """Start with no series."""
        raise NotImplementedError

    def empty(self) -> Metric:
        raise NotImplementedError

    def describe(self) -> Iterator[Metric]:
        yield self.empty()


class Tally(_Family):
    """A counter family: ``add(labels)`` adds one (or ``amount``) to the series of ``labels``."""

    counts: dict[Labels, float]

    def clear(self) -> None:
        self.counts = {}

    def add(self, labels: Labels, amount: float = 1.0) -> None:
        counts = self.counts
        counts[labels] = counts.get(labels, 0.0) + amount

    def value(self, labels: Labels) -> float:
        return self.counts.get(labels, 0.0)

    def empty(self) -> CounterMetricFamily:
        return CounterMetricFamily(self.name, self.documentation, labels=self.labelnames)

    def collect(self) -> Iterator[Metric]:
        family = self.empty()
        for labels, count in list(self.counts.items()):
            family.add_metric([str(value) for value in labels], count)
        yield family


class Timings(_Family):
    """A histogram family (prometheus_client's default buckets): ``observe(labels, seconds)``
    files one duration under ``labels``."""

    series: dict[Labels, list[float]]  # per-bucket counts (the last one +Inf), then the sum
    bounds = BUCKETS

    def clear(self) -> None:
        self.series = {}

    def observe(self, labels: Labels, seconds: float) -> None:
        series = self.series.get(labels)
        if series is None:
            series = self.series[labels] = [0.0] * (len(self.bounds) + 2)
        series[bisect_left(self.bounds, seconds)] += 1
        series[-1] += seconds

    def empty(self) -> HistogramMetricFamily:
        return HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames)

    def collect(self) -> Iterator[Metric]:
        family = self.empty()
        edges = [*(_le(bound) for bound in self.bounds), "+Inf"]
        for labels, series in list(self.series.items()):
            running, buckets = 0.0, []
            for edge, count in zip(edges, series, strict=False):
                running += count
                buckets.append((edge, running))
            family.add_metric([str(value) for value in labels], buckets, sum_value=series[-1])
        yield family


def _le(bound: float) -> str:
    """The ``le`` label as prometheus_client writes it (``0.005``, ``1.0``)."""
    return repr(float(bound))
