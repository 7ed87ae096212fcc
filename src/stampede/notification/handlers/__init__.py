"""Notification's use cases: the consumers that make messages (accounts and alerts in
``consumers``, orders in ``orders``), the mail workers, the choices."""

from __future__ import annotations

from stampede.kernel.module import Subscription
from stampede.notification.contracts import MailQueued, VerificationMailQueued
from stampede.notification.handlers.choices import mark_read, set_preferences
from stampede.notification.handlers.consumers import SUBSCRIPTIONS as CONSUMERS
from stampede.notification.handlers.mailing import open_mailer, send_mail
from stampede.notification.handlers.orders import SUBSCRIPTIONS as ORDERS
from stampede.notification.store import NotificationUoW


async def send_verification_mail(event: VerificationMailQueued, uow: NotificationUoW) -> None:
    """The verification-mail worker: the same work, on its own queue."""
    await send_mail(event, uow)


SUBSCRIPTIONS = (
    *CONSUMERS,
    *ORDERS,
    Subscription(VerificationMailQueued, send_verification_mail, exactly_once=False),
    Subscription(MailQueued, send_mail, exactly_once=False),
)

__all__ = ["SUBSCRIPTIONS", "mark_read", "open_mailer", "set_preferences"]
