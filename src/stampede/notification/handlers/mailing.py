"""The mail workers: send each queued mail, and record that it was sent.

A worker consumes a work queue without holding a transaction open while it talks to the SMTP
server: it reads the send record (a mail already sent is acknowledged and skipped), sends, then
marks the record sent. So a mail is sent once — except when the worker dies between the
server's acceptance and the record: then the redelivered message sends it again, at most once
more per crash (the receiver can tell by the unchanged ``Message-ID``).

A server that is down or answers 4xx is retried in the worker with growing pauses for up to
``MAIL_RETRY_WINDOW_S`` before the message goes back to the queue; a mail the server refuses
for good (5xx) fails at once, and after the bus's delivery limit it is recorded ``failed`` and
dead-lettered, while the rest of the queue flows.
"""

from __future__ import annotations

import asyncio

import structlog
from prometheus_client import Counter

from stampede.kernel.module import Runtime
from stampede.notification.contracts import MailQueued, VerificationMailQueued
from stampede.notification.domain.mail import MailQueue, OutgoingMail
from stampede.notification.store import Delivery, NotificationUoW
from stampede.notification.store.mailers import Mailer, MailNotSent, mailer_from_url

MAILS = Counter("stampede_mails_total", "Mails by outcome", ["queue", "outcome"])
FIRST_PAUSE_S, LONGEST_PAUSE_S = 0.5, 15.0
log = structlog.get_logger()


async def open_mailer(runtime: Runtime) -> None:
    """The mailer of this process: SMTP when ``SMTP_URL`` is set, else files in ``var/mail``."""
    settings = runtime.settings
    mailer = mailer_from_url(settings.smtp_url, settings.mail_from, settings.data_dir)
    runtime.resources["mailer"] = mailer
    runtime.closers.append(mailer.close)


async def send_mail(event: MailQueued | VerificationMailQueued, uow: NotificationUoW) -> None:
    delivery = await _due(uow, event.delivery_id)
    if delivery is None:
        return
    queue = delivery.queue
    try:
        await _send(uow.runtime, _mail(delivery))
    except MailNotSent:
        MAILS.labels(queue, "failed").inc()
        if delivery.attempts >= uow.runtime.bus.delivery_limit:
            await _settle(uow, delivery.id, "failed")
        raise
    await _settle(uow, delivery.id, "sent")
    MAILS.labels(queue, "sent").inc()


async def _due(uow: NotificationUoW, delivery_id: str) -> Delivery | None:
    """The queued mail with this attempt counted, or None when there is nothing to send."""
    async with uow:
        delivery = await uow.deliveries.get(delivery_id)
        if delivery is None or delivery.status != "queued":
            return None
        delivery.attempts += 1
        await uow.commit()
        return delivery


async def _settle(uow: NotificationUoW, delivery_id: str, status: str) -> None:
    async with uow:
        await uow.deliveries.settle(delivery_id, status)
        await uow.commit()


def _mail(delivery: Delivery) -> OutgoingMail:
    return OutgoingMail(
        message_id=delivery.id,
        to_address=delivery.to_address,
        to_name=delivery.to_name,
        subject=delivery.subject,
        text=delivery.text,
        html=delivery.html,
        queue=MailQueue(delivery.queue),
    )


async def _send(runtime: Runtime, mail: OutgoingMail) -> None:
    """Send, pausing and trying again while the failure is transient, within the window."""
    mailer: Mailer = runtime.resources["mailer"]
    loop = asyncio.get_running_loop()
    give_up_at = loop.time() + runtime.settings.mail_retry_window_s
    pause = FIRST_PAUSE_S
    while True:
        try:
            await mailer.send(mail)
            return
        except MailNotSent as error:
            if not error.transient or loop.time() + pause > give_up_at:
                raise
            log.warning("mail not sent; retrying", delivery=mail.message_id, error=str(error))
            await asyncio.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE_S)
