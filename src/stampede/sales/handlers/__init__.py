"""The sales use cases: ``holds`` (place, read, release), ``queue`` (waiting room),
``facts`` (the copy of what is sold, from catalog events), ``upkeep`` (admissions, expiry,
reconciliation), ``engine`` (the live parts) and ``ledger`` (the durable-record writer)."""

from __future__ import annotations

from stampede.sales.handlers.facts import SUBSCRIPTIONS

__all__ = ["SUBSCRIPTIONS"]
