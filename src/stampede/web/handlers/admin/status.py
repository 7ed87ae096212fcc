"""The platform's health as an admin reads it: every context's readiness checks (``/readyz``)
and, from ``/metrics``, how far each outbox lags and how long the waiting rooms are."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from stampede.web.handlers.session import Visit

PLATFORM = "platform"
OUTBOX = {
    "stampede_outbox_lag_seconds": "lag_s",
    "stampede_outbox_pending": "pending",
    "stampede_outbox_failed": "failed",
}
QUEUE_LENGTH = "stampede_sales_queue_length"
DEAD_LETTERS = "stampede_bus_dead_letters"


@dataclass
class ContextHealth:
    name: str
    checks: dict[str, str] = field(default_factory=dict)
    outbox: dict[str, float] = field(default_factory=dict)

    @property
    def up(self) -> bool:
        return bool(self.checks) and all(result == "ok" for result in self.checks.values())


@dataclass
class PlatformStatus:
    ready: bool
    contexts: list[ContextHealth]
    queues: list[tuple[str, float]]
    dead_letters: list[tuple[str, float]]


async def platform_status(visit: Visit) -> PlatformStatus:
    ready = await visit.raw("GET", "/readyz")
    body = _json(ready.json() if ready.content else {})
    contexts = _by_context(body.get("checks") or {})
    metrics = await visit.raw("GET", "/metrics")
    samples = _samples(metrics.text if metrics.status_code == 200 else "")
    for labels, name, value in samples:
        if name in OUTBOX and labels.get("context"):
            context = contexts.setdefault(labels["context"], ContextHealth(labels["context"]))
            context.outbox[OUTBOX[name]] = value
    return PlatformStatus(
        ready=body.get("status") == "ready",
        contexts=sorted(contexts.values(), key=lambda c: (c.name != PLATFORM, c.name)),
        queues=_labelled(samples, QUEUE_LENGTH, "listing"),
        dead_letters=_labelled(samples, DEAD_LETTERS, "queue"),
    )


def _json(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _by_context(checks: dict[str, str]) -> dict[str, ContextHealth]:
    """``identity.database`` → the identity context's ``database`` check; a check without a
    context (the shared store) is the platform's."""
    grouped: dict[str, ContextHealth] = defaultdict(lambda: ContextHealth(""))
    for key, result in checks.items():
        context, _, check = key.rpartition(".")
        context = context or PLATFORM
        grouped[context].name = context
        grouped[context].checks[check] = str(result)
    return dict(grouped)


def _samples(text: str) -> list[tuple[dict[str, str], str, float]]:
    wanted = {*OUTBOX, QUEUE_LENGTH, DEAD_LETTERS}
    found = []
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name in wanted:
                found.append((dict(sample.labels), sample.name, float(sample.value)))
    return found


def _labelled(
    samples: list[tuple[dict[str, str], str, float]], name: str, label: str
) -> list[tuple[str, float]]:
    """``(label value, value)`` of one gauge where it is above zero, largest first."""
    rows = [(labels.get(label, ""), value) for labels, sample, value in samples if sample == name]
    return sorted((row for row in rows if row[1] > 0), key=lambda row: -row[1])
