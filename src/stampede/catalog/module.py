"""The catalog as the composition root sees it; imported only by ``stampede.compose``."""

from __future__ import annotations

from pathlib import Path

from stampede.catalog import api, handlers
from stampede.catalog.handlers import importer, windows
from stampede.catalog.store import CatalogUoW
from stampede.kernel.module import Module

module = Module(
    name="catalog",
    router=api.router,
    unit_of_work=CatalogUoW,
    migrations=Path(__file__).parent / "migrations",
    subscriptions=handlers.SUBSCRIPTIONS,
    seed_demo=importer.seed_demo,
    background=(windows.run_sale_windows,),
    tasks={"import_feed": importer.import_feed},
)
