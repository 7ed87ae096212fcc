"""Verification mail on the real RabbitMQ bus to a real SMTP server (aiosmtpd on 127.0.0.1).

The whole platform runs in-process (SQLite databases) with ``BUS_URL`` on RabbitMQ under a
namespace of its own and ``SMTP_URL`` on a local aiosmtpd server. Proven here:

* a sign-up sends exactly one mail, over SMTP, whose link verifies the account;
* with the SMTP server down, mail waits in the worker's retry window and nothing is lost: once
  the server is back every mail arrives exactly once, without going back to the queue;
* a mail the server refuses for good (550) is dead-lettered into
  ``<ns>notification.send_verification_mail.dead`` after the delivery limit and its send record
  is marked ``failed``, while other mail on the same queue flows.

Every queue and exchange of the namespace is deleted afterwards.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import inspect
import re
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from uuid import uuid4

import aio_pika
import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select

from stampede.compose import MODULES, Platform, build
from stampede.kernel.settings import Settings
from stampede.notification.store import Delivery, NotificationUoW
from tests.identity.support import sign_up

POISON = "poison@example.com"
CONTEXTS = ("identity", "catalog", "sales", "notification")
VERIFY_QUEUE = "notification.send_verification_mail"
DEADLINE_S = 20.0


class MailServer:
    """An SMTP server keeping each accepted mail with its recipients; RCPT of ``POISON`` is
    answered ``550``. It can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[tuple[list[str], EmailMessage]] = []
        self._controller: Controller | None = None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address == POISON:
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = bytes(envelope.original_content or b"")
        message = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for rcpt, message in self.received if address in rcpt]

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Rig:
    api: httpx.AsyncClient
    platform: Platform
    smtp: MailServer
    amqp_url: str
    namespace: str


@pytest.fixture
async def rig(tmp_path: Path, amqp_url: str) -> AsyncIterator[Rig]:
    """The platform on RabbitMQ (own namespace) and SMTP; a 60 s mail retry window."""
    namespace = f"t{uuid4().hex[:8]}."
    smtp = MailServer()
    smtp.start()
    settings = Settings.for_tests(
        tmp_path,
        bus_url=amqp_url,
        bus_namespace=namespace,
        smtp_url=f"smtp://127.0.0.1:{smtp.port}",
        mail_retry_window_s=60.0,
    )
    app, platform = build(settings)
    try:
        await platform.start()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
            yield Rig(api, platform, smtp, amqp_url, namespace)
    finally:
        await platform.stop()
        smtp.stop()
        await drop_topology(amqp_url, namespace)


async def drop_topology(amqp_url: str, namespace: str) -> None:
    """Delete every queue and exchange this run may have declared on the shared broker."""
    queues = [f"{m.name}.{s.name}" for m in MODULES for s in m.subscriptions]
    exchanges = [f"{context}.events" for context in CONTEXTS] + ["stampede.dead-letter"]
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        for queue in queues:
            for name in (queue, f"{queue}.dead"):
                await channel.queue_delete(namespace + name)
        for exchange in exchanges:
            await channel.exchange_delete(namespace + exchange)


async def eventually(
    check: Callable[[], bool | Awaitable[bool]], within_s: float = DEADLINE_S
) -> None:
    """Return once ``check()`` is true; fail when it is still false after ``within_s``."""
    deadline = time.monotonic() + within_s
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        assert time.monotonic() < deadline, f"not true within {within_s} s"
        await asyncio.sleep(0.1)


def verification_token(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    [token] = re.findall(r"verify-email\?token=([A-Za-z0-9_\-]+)", str(part.get_content()))
    return str(token)


async def deliveries(platform: Platform, address: str) -> list[tuple[str, int]]:
    """(status, attempts) of each send record to ``address``."""
    async with NotificationUoW(platform.runtimes["notification"]) as uow:
        rows = await uow.session.scalars(select(Delivery).where(Delivery.to_address == address))
        return [(row.status, row.attempts) for row in rows]


async def test_sign_up_mails_one_verification_link_over_smtp_that_verifies(rig: Rig) -> None:
    await sign_up(rig.api, "minji@example.com", name="김민지")
    await eventually(lambda: len(rig.smtp.to("minji@example.com")) >= 1)
    await asyncio.sleep(1)
    [mail] = rig.smtp.to("minji@example.com")
    assert "김민지" in str(mail["To"])
    token = verification_token(mail)
    reply = await rig.api.post("/api/identity/verify-email", json={"token": token})
    assert reply.status_code == 200, reply.text


async def test_mail_waits_out_an_smtp_outage_and_arrives_once_each(rig: Rig) -> None:
    rig.smtp.stop()
    addresses = [f"down{n}@example.com" for n in range(3)]
    for address in addresses:
        await sign_up(rig.api, address)
    await asyncio.sleep(3)
    assert rig.smtp.received == []
    rig.smtp.start()
    await eventually(lambda: all(rig.smtp.to(address) for address in addresses))
    await asyncio.sleep(1)
    assert [len(rig.smtp.to(address)) for address in addresses] == [1, 1, 1]

    async def all_sent_from_one_delivery_each() -> bool:  # retried inside the worker
        records = [await deliveries(rig.platform, address) for address in addresses]
        return records == [[("sent", 1)]] * len(addresses)

    await eventually(all_sent_from_one_delivery_each)


async def test_a_refused_mail_is_dead_lettered_and_recorded_failed_while_others_flow(
    rig: Rig,
) -> None:
    await sign_up(rig.api, POISON)
    await sign_up(rig.api, "ok@example.com")
    await eventually(lambda: len(rig.smtp.to("ok@example.com")) >= 1)
    connection = await aio_pika.connect(rig.amqp_url)
    async with connection:
        channel = await connection.channel()

        async def count(name: str) -> int:
            queue = await channel.declare_queue(rig.namespace + name, passive=True)
            return int(queue.declaration_result.message_count or 0)

        async def dead_lettered() -> bool:
            return await count(f"{VERIFY_QUEUE}.dead") == 1

        await eventually(dead_lettered)
        assert await count(VERIFY_QUEUE) == 0
    assert await deliveries(rig.platform, POISON) == [("failed", 5)]
    assert rig.smtp.to(POISON) == []
    assert len(rig.smtp.to("ok@example.com")) == 1
