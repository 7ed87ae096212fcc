"""Payment's tables, repositories and unit of work, and the provider adapter (``provider``)."""

from __future__ import annotations

from typing import Self

from stampede.kernel.db import UnitOfWork
from stampede.kernel.module import Runtime
from stampede.payment.store.orders import Orders
from stampede.payment.store.records import Payments, Refunds
from stampede.payment.store.tables import metadata

__all__ = ["PaymentUoW", "metadata"]


class PaymentUoW(UnitOfWork):
    orders: Orders
    payments: Payments
    refunds: Refunds

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime.db)
        self.runtime = runtime

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.orders = Orders(self.session)
        self.payments = Payments(self.session)
        self.refunds = Refunds(self.session)
        return self
