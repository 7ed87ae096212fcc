"""Ordering's use cases (place, cancel, read, sales history) and its event consumers."""

from __future__ import annotations

from stampede.ordering.handlers.facts import FACTS
from stampede.ordering.handlers.progress import PROGRESS

SUBSCRIPTIONS = (*FACTS, *PROGRESS)
