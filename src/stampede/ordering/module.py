"""Ordering as the composition root sees it; imported only by ``stampede.compose``."""

from __future__ import annotations

from pathlib import Path

from stampede.kernel.module import Module
from stampede.ordering import api, handlers
from stampede.ordering.saga.driver import run_driver
from stampede.ordering.store import OrderingUoW

module = Module(
    name="ordering",
    router=api.router,
    unit_of_work=OrderingUoW,
    migrations=Path(__file__).parent / "migrations",
    subscriptions=handlers.SUBSCRIPTIONS,
    background=(run_driver,),
)
