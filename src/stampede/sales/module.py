"""Sales as the composition root sees it; imported only by ``stampede.compose``."""

from __future__ import annotations

from pathlib import Path

from stampede.kernel.module import Module
from stampede.sales import api, handlers
from stampede.sales.api.fast import SalesLanes
from stampede.sales.handlers import engine, upkeep
from stampede.sales.store import SalesUoW

module = Module(
    name="sales",
    router=api.router,
    unit_of_work=SalesUoW,
    migrations=Path(__file__).parent / "migrations",
    subscriptions=handlers.SUBSCRIPTIONS,
    setup=engine.setup,
    background=(upkeep.run_upkeep,),
    lanes=SalesLanes,
)
