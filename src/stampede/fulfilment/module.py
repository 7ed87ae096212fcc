"""Fulfilment as the composition root sees it; imported only by ``stampede.compose``."""

from __future__ import annotations

from pathlib import Path

from stampede.fulfilment import api, handlers
from stampede.fulfilment.store import FulfilmentUoW
from stampede.kernel.module import Module

module = Module(
    name="fulfilment",
    router=api.router,
    unit_of_work=FulfilmentUoW,
    migrations=Path(__file__).parent / "migrations",
    subscriptions=handlers.SUBSCRIPTIONS,
)
