"""Notification as the composition root sees it; imported only by ``stampede.compose``."""

from __future__ import annotations

from pathlib import Path

from stampede.kernel.module import Module
from stampede.notification import api, handlers
from stampede.notification.store import NotificationUoW

module = Module(
    name="notification",
    router=api.router,
    unit_of_work=NotificationUoW,
    migrations=Path(__file__).parent / "migrations",
    subscriptions=handlers.SUBSCRIPTIONS,
    setup=handlers.open_mailer,
)
