"""Fulfilment's tables (``tables``), repositories (``records``) and unit of work."""

from __future__ import annotations

from typing import Self

from stampede.fulfilment.store.records import After, Arrangements, Deliveries, Rentals, Tickets
from stampede.fulfilment.store.tables import metadata
from stampede.kernel.db import UnitOfWork
from stampede.kernel.module import Runtime

__all__ = ["After", "FulfilmentUoW", "metadata"]


class FulfilmentUoW(UnitOfWork):
    arrangements: Arrangements
    deliveries: Deliveries
    rentals: Rentals
    tickets: Tickets

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime.db)
        self.runtime = runtime

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.arrangements = Arrangements(self.session)
        self.deliveries = Deliveries(self.session)
        self.rentals = Rentals(self.session)
        self.tickets = Tickets(self.session)
        return self
