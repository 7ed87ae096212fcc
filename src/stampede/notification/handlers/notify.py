"""Turning something that happened into messages: an inbox entry and a queued mail, each once.

:func:`notify` runs inside the consumer's transaction (the inbox makes that once per event):
it reads the recipient's choices, renders the message in their language, writes the inbox entry
and the mail's send record, and queues the mail through the outbox — all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stampede.notification.contracts import MailQueued, VerificationMailQueued
from stampede.notification.domain.mail import MailQueue
from stampede.notification.domain.render import Rendered, render
from stampede.notification.domain.topics import Channel, wants
from stampede.notification.store import Delivery, Notice, NotificationUoW


@dataclass(frozen=True)
class Message:
    """One message for one user, caused by the event ``event_id``."""

    event_id: str
    user_id: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    path: str = ""  # where the message points in the site, e.g. ``/listings/<id>``
    channels: tuple[Channel, ...] = (Channel.EMAIL, Channel.INBOX)


def link(uow: NotificationUoW, path: str) -> str:
    """An absolute link when the public URL is configured, a site-relative one otherwise."""
    return uow.runtime.settings.public_url.rstrip("/") + path


async def notify(uow: NotificationUoW, message: Message) -> None:
    recipient = await uow.recipients.get(message.user_id)
    choices = await uow.preferences.of(message.user_id)
    locale = recipient.locale if recipient else "ko"
    params = {"name": recipient.name if recipient else "", "link": link(uow, message.path)}
    rendered = render(message.kind, locale, **(params | message.params))
    if Channel.INBOX in message.channels and wants(choices, message.kind, Channel.INBOX):
        await uow.notices.add(_notice(message, rendered))
    email = recipient.email if recipient else ""
    if email and Channel.EMAIL in message.channels and wants(choices, message.kind, Channel.EMAIL):
        await _queue_mail(uow, message, rendered, email, recipient.name if recipient else "")


def _notice(message: Message, rendered: Rendered) -> Notice:
    return Notice(
        user_id=message.user_id,
        event_id=message.event_id,
        kind=message.kind,
        title=rendered.subject,
        body=rendered.text,
        link=message.path,
    )


async def _queue_mail(
    uow: NotificationUoW, message: Message, rendered: Rendered, email: str, name: str
) -> None:
    queue = MailQueue.VERIFY if message.kind == "verify_email" else MailQueue.OTHER
    delivery = Delivery(
        user_id=message.user_id,
        event_id=message.event_id,
        kind=message.kind,
        queue=queue.value,
        to_address=email,
        to_name=name,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
    )
    await uow.deliveries.add(delivery)
    queued = (
        VerificationMailQueued(delivery_id=delivery.id)
        if queue is MailQueue.VERIFY
        else MailQueued(delivery_id=delivery.id)
    )
    uow.emit(queued, subject=message.user_id)
