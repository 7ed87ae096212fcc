"""What notification tells others: only the mail work items its own workers consume.

Each is published through notification's outbox to its topic exchange with its own routing key,
so each lands in its own quorum work queue (dead-lettered after the delivery limit):
``notification.send_verification_mail`` and ``notification.send_mail`` — verification mail is
never stuck behind a burst of order mail.
"""

from __future__ import annotations

from typing import ClassVar

from stampede.kernel.messages import Event


class NotificationEvent(Event):
    source: ClassVar[str] = "notification"


class VerificationMailQueued(NotificationEvent):
    """A verification mail is recorded as delivery ``delivery_id``; a worker sends it."""

    delivery_id: str


class MailQueued(NotificationEvent):
    """Any other mail recorded as delivery ``delivery_id``; a worker sends it."""

    delivery_id: str
