"""One contract for both mailers: what an SMTP server receives and what the directory holds must
decode to the same mail. The SMTP side is a real aiosmtpd server on 127.0.0.1 (its own thread),
with handlers that accept, refuse (550) or defer (451) recipients.
"""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from stampede.kernel.errors import ConfigurationError
from stampede.notification.domain.mail import OutgoingMail
from stampede.notification.store.mailers import (
    DirectoryMailer,
    Mailer,
    MailNotSent,
    SmtpMailer,
    mailer_from_url,
)

SENDER = "Stampede <no-reply@stampede.test>"


class Inbox:
    """Keeps every accepted message; answers RCPT with ``rcpt_reply`` when one is given."""

    def __init__(self, rcpt_reply: str = "") -> None:
        self.rcpt_reply = rcpt_reply
        self.envelopes: list[Envelope] = []

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def received(self) -> list[bytes]:
        return [bytes(envelope.original_content or b"") for envelope in self.envelopes]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


Start = Callable[..., int]


@pytest.fixture
def start_server() -> Iterator[Start]:
    """Starts an aiosmtpd server for a handler (extra keywords go to aiosmtpd's SMTP) and
    returns its port; every server started is stopped after the test."""
    controllers: list[Controller] = []

    def start(handler: Inbox, **smtp: Any) -> int:
        controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **smtp)
        controller.start()
        controllers.append(controller)
        return controller.port

    yield start
    for controller in controllers:
        controller.stop()


@dataclass
class Rig:
    mailer: Mailer
    received: Callable[[], list[bytes]]


@pytest.fixture(params=["smtp", "directory"])
def rig(request: pytest.FixtureRequest, start_server: Start, tmp_path: Path) -> Rig:
    if request.param == "smtp":
        inbox = Inbox()
        port = start_server(inbox)
        return Rig(SmtpMailer(f"smtp://127.0.0.1:{port}", SENDER, timeout_s=5), inbox.received)
    directory = tmp_path / "deep" / "mail"
    return Rig(
        DirectoryMailer(directory, SENDER),
        lambda: [path.read_bytes() for path in sorted(directory.glob("*.eml"))],
    )


KOREAN = OutgoingMail(
    message_id="d9c1e2a4-7b7e-4c1a-9f1e-3c2b1a0f9e8d",
    to_address="minji@example.test",
    to_name="김민지",
    subject="주문이 확인되었습니다 — 스탬피드",
    text="안녕하세요, 김민지님.\n주문 번호는 42입니다.\n",
    html="<p>안녕하세요, <b>김민지</b>님.</p>\n",
)


def a_mail(**changes: Any) -> OutgoingMail:
    return replace(KOREAN, **changes)


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def body(message: EmailMessage, kind: str) -> str:
    part = message.get_body((kind,))
    assert isinstance(part, EmailMessage), f"no text/{kind} part"
    content = part.get_content()
    assert isinstance(content, str)
    return "\n".join(content.splitlines())


async def sent_one(rig: Rig, mail: OutgoingMail) -> EmailMessage:
    await rig.mailer.send(mail)
    received = rig.received()
    assert len(received) == 1
    return parse(received[0])


# --- the contract, for both adapters ---------------------------------------------------------


async def test_korean_name_subject_and_body_round_trip(rig: Rig) -> None:
    mail = a_mail()
    message = await sent_one(rig, mail)
    (to,) = message["To"].addresses
    assert (to.display_name, to.addr_spec) == ("김민지", "minji@example.test")
    assert message["Subject"] == mail.subject
    assert message["From"].addresses[0].addr_spec == "no-reply@stampede.test"
    assert message["Date"].datetime is not None
    assert body(message, "plain") == mail.text.rstrip("\n")
    assert body(message, "html") == mail.html.rstrip("\n")


async def test_text_and_html_are_alternatives(rig: Rig) -> None:
    message = await sent_one(rig, a_mail())
    assert message.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in message.iter_parts()]
    assert kinds == ["text/plain", "text/html"]


async def test_message_id_carries_the_delivery_id(rig: Rig) -> None:
    message = await sent_one(rig, a_mail(message_id="delivery-7.verify"))
    assert message["Message-ID"] == "<delivery-7.verify@stampede>"


async def test_line_breaks_cannot_inject_headers(rig: Rig) -> None:
    mail = a_mail(subject="Hello\r\nBcc: evil@x", to_name="Mallory\nBcc: evil@y")
    message = await sent_one(rig, mail)
    assert message["Bcc"] is None
    assert message["Subject"] == "Hello Bcc: evil@x"
    assert [a.addr_spec for a in message["To"].addresses] == ["minji@example.test"]


@pytest.mark.parametrize("message_id", ["../escape", "a/b", "", ".hidden", "x\r\ny"])
async def test_an_unsafe_message_id_is_never_sent(rig: Rig, message_id: str) -> None:
    with pytest.raises(MailNotSent) as refused:
        await rig.mailer.send(a_mail(message_id=message_id))
    assert refused.value.transient is False
    assert rig.received() == []


async def test_an_address_with_a_line_break_is_refused_for_good(rig: Rig) -> None:
    with pytest.raises(MailNotSent) as refused:
        await rig.mailer.send(a_mail(to_address="a@x.test\r\nBcc: evil@x"))
    assert refused.value.transient is False
    assert rig.received() == []


async def test_ping_answers_when_usable(rig: Rig) -> None:
    await rig.mailer.ping()
    await rig.mailer.close()


# --- the directory adapter -------------------------------------------------------------------


async def test_directory_send_twice_leaves_one_file(tmp_path: Path) -> None:
    mailer = DirectoryMailer(tmp_path / "mail")
    await mailer.send(a_mail())
    await mailer.send(a_mail())
    files = [path.name for path in (tmp_path / "mail").iterdir()]
    assert files == ["d9c1e2a4-7b7e-4c1a-9f1e-3c2b1a0f9e8d.eml"]


async def test_directory_ping_raises_when_unusable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(MailNotSent) as unusable:
        await DirectoryMailer(blocker / "mail").ping()
    assert unusable.value.transient is True


# --- the SMTP adapter ------------------------------------------------------------------------


async def test_smtp_envelope_goes_only_to_the_recipient(start_server: Start) -> None:
    inbox = Inbox()
    mailer = SmtpMailer(f"smtp://127.0.0.1:{start_server(inbox)}", SENDER)
    await mailer.send(a_mail(subject="Hi\r\nBcc: evil@x"))
    (envelope,) = inbox.envelopes
    assert envelope.rcpt_tos == ["minji@example.test"]
    assert envelope.mail_from == "no-reply@stampede.test"


async def test_smtp_server_down_is_transient() -> None:
    mailer = SmtpMailer(f"smtp://127.0.0.1:{free_port()}", SENDER, timeout_s=2)
    with pytest.raises(MailNotSent) as refused:
        await mailer.send(a_mail())
    assert refused.value.transient is True
    with pytest.raises(MailNotSent):
        await mailer.ping()


async def test_smtp_server_that_never_greets_times_out_transiently() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        mailer = SmtpMailer(f"smtp://127.0.0.1:{silent.getsockname()[1]}", SENDER, timeout_s=0.3)
        with pytest.raises(MailNotSent) as refused:
            await mailer.send(a_mail())
    assert refused.value.transient is True
    assert "Timeout" in str(refused.value)


@pytest.mark.parametrize(
    ("reply", "transient"),
    [("550 no such user", False), ("553 mailbox name not allowed", False), ("451 try later", True)],
)
async def test_smtp_recipient_refusal(start_server: Start, reply: str, transient: bool) -> None:
    inbox = Inbox(rcpt_reply=reply)
    mailer = SmtpMailer(f"smtp://127.0.0.1:{start_server(inbox)}", SENDER)
    with pytest.raises(MailNotSent) as refused:
        await mailer.send(a_mail())
    assert refused.value.transient is transient
    assert reply[:3] in str(refused.value)
    assert inbox.envelopes == []


def accept(user: bytes, password: bytes) -> Callable[..., AuthResult]:
    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        good = isinstance(data, LoginPassword) and (data.login, data.password) == (user, password)
        return AuthResult(success=good, handled=False)

    return authenticate


async def test_smtp_logs_in_with_the_url_credentials(start_server: Start) -> None:
    inbox = Inbox()
    authenticator = accept(b"mailer", b"p@ss:w/rd")
    port = start_server(inbox, authenticator=authenticator, auth_require_tls=False)
    await SmtpMailer(f"smtp://mailer:p%40ss%3Aw%2Frd@127.0.0.1:{port}", SENDER).send(a_mail())
    assert len(inbox.envelopes) == 1


async def test_smtp_wrong_password_is_transient(start_server: Start) -> None:
    """A 535 is the server's set-up, not the message's fault: keep the mail to retry."""
    port = start_server(Inbox(), authenticator=accept(b"mailer", b"right"), auth_require_tls=False)
    mailer = SmtpMailer(f"smtp://mailer:wrong@127.0.0.1:{port}", SENDER)
    with pytest.raises(MailNotSent) as refused:
        await mailer.send(a_mail())
    assert refused.value.transient is True
    assert "535" in str(refused.value)
    with pytest.raises(MailNotSent):
        await mailer.ping()


# --- choosing the adapter --------------------------------------------------------------------


def test_mailer_from_url_picks_the_adapter(tmp_path: Path) -> None:
    files = mailer_from_url("", SENDER, tmp_path)
    assert isinstance(files, DirectoryMailer)
    assert files.directory == tmp_path / "mail"
    plain = mailer_from_url("smtp://user:secret@mail.example.test:2525", SENDER, tmp_path)
    assert isinstance(plain, SmtpMailer)
    assert (plain.host, plain.port, plain.username) == ("mail.example.test", 2525, "user")
    assert plain.implicit_tls is False
    tls = mailer_from_url("smtps://mail.example.test", SENDER, tmp_path)
    assert isinstance(tls, SmtpMailer)
    assert tls.implicit_tls is True


@pytest.mark.parametrize("url", ["http://x", "smtp://", "smtp://host:port", "mail.example.test"])
def test_mailer_from_url_refuses_what_cannot_work(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        mailer_from_url(url, SENDER, tmp_path)
    assert refused.value.setting == "SMTP_URL"


def test_the_password_stays_out_of_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as refused:
        mailer_from_url("smtp://user:hunter2@host:notaport", SENDER, tmp_path)
    assert "hunter2" not in str(refused.value)
