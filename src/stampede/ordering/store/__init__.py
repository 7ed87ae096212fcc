"""Ordering's tables, repositories and unit of work."""

from __future__ import annotations

from typing import Self

from stampede.kernel.db import UnitOfWork
from stampede.kernel.module import Runtime
from stampede.ordering.store.copies import Copies
from stampede.ordering.store.orders import Orders, Placements
from stampede.ordering.store.steps import Steps
from stampede.ordering.store.tables import metadata

__all__ = ["Copies", "OrderingUoW", "Orders", "Placements", "Steps", "metadata"]


class OrderingUoW(UnitOfWork):
    orders: Orders
    placements: Placements
    steps: Steps
    copies: Copies

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime.db)
        self.runtime = runtime

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.orders = Orders(self.session)
        self.placements = Placements(self.session)
        self.steps = Steps(self.session)
        self.copies = Copies(self.session)
        return self
