"""Notification's tables, repositories and unit of work, and the mailers (``mailers``)."""

from __future__ import annotations

from typing import Self

from stampede.kernel.db import UnitOfWork
from stampede.kernel.module import Runtime
from stampede.notification.store.records import (
    Deliveries,
    Keywords,
    Notices,
    Orders,
    Preferences,
    Recipients,
)
from stampede.notification.store.tables import Delivery, Notice, OrderCopy

__all__ = ["Delivery", "Notice", "NotificationUoW", "OrderCopy"]


class NotificationUoW(UnitOfWork):
    recipients: Recipients
    keywords: Keywords
    notices: Notices
    deliveries: Deliveries
    preferences: Preferences
    orders: Orders

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime.db)
        self.runtime = runtime

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.recipients = Recipients(self.session)
        self.keywords = Keywords(self.session)
        self.notices = Notices(self.session)
        self.deliveries = Deliveries(self.session)
        self.preferences = Preferences(self.session)
        self.orders = Orders(self.session)
        return self
