"""The mailer seam: where an :class:`OutgoingMail` goes once a worker decides to send it.

``smtp://`` / ``smtps://`` → :class:`SmtpMailer` (aiosmtplib); ``""`` → :class:`DirectoryMailer`
(one ``.eml`` file per message, for development). Both send the bytes built by
:func:`build_message`, so what a developer opens in the mail directory is what a server receives.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

from stampede.kernel.errors import ConfigurationError
from stampede.notification.domain.mail import OutgoingMail

# CRLF line endings and a 7-bit body (base64 or quoted-printable): any server accepts it.
_POLICY = SMTP.clone(cte_type="7bit")
# A dot-atom (valid left of the Message-ID's "@") that is also a safe file name.
_SAFE_ID = re.compile(r"[A-Za-z0-9_+=-]+(?:\.[A-Za-z0-9_+=-]+)*")
DEFAULT_SENDER = "Stampede <no-reply@stampede.local>"


class MailNotSent(Exception):
    """``transient``: True — try again later (server down, timeout, 4xx reply); False — this
    message can never be sent (5xx reply for it or its recipient, or it cannot be built)."""

    def __init__(self, detail: str, *, transient: bool) -> None:
        super().__init__(detail)
        self.transient = transient


class Mailer(Protocol):
    async def send(self, mail: OutgoingMail) -> None:
        """Return once the destination accepted the message; raise :class:`MailNotSent`."""

    async def ping(self) -> None:
        """Raise :class:`MailNotSent` (transient) when the destination is unusable."""

    async def close(self) -> None:
        """Give back what the mailer holds."""


def _one_line(value: str) -> str:
    """Every line break becomes a space: no header value can start a new header."""
    return " ".join(value.splitlines())


def build_message(mail: OutgoingMail, sender: str) -> EmailMessage:
    """The message as sent: text part, HTML alternative, encoded headers. Raises
    ``MailNotSent(transient=False)`` for an unsafe ``message_id`` or an unusable address."""
    if len(mail.message_id) > 200 or not _SAFE_ID.fullmatch(mail.message_id):
        raise MailNotSent(f"unsafe message id {mail.message_id!r}", transient=False)
    message = EmailMessage(policy=_POLICY)
    try:
        message["From"] = sender
        message["To"] = formataddr((_one_line(mail.to_name), mail.to_address))
        message["Subject"] = _one_line(mail.subject)
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = f"<{mail.message_id}@stampede>"
        message.set_content(mail.text)
        message.add_alternative(mail.html, subtype="html")
    except ValueError as error:  # a line break or non-ASCII character in an address
        raise MailNotSent(
            f"cannot build mail {mail.message_id}: {error}", transient=False
        ) from None
    return message


def _refusal(error: Exception) -> MailNotSent:
    """Permanent only when the server refused this message (5xx on MAIL, RCPT or DATA); a 5xx on
    login or greeting is the server's set-up, which can be fixed, so it stays transient."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        permanent = all(refused.code >= 500 for refused in error.recipients)
    elif isinstance(
        error,
        aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPSenderRefused | aiosmtplib.SMTPDataError,
    ):
        permanent = error.code >= 500
    else:
        permanent = False
    return MailNotSent(f"{type(error).__name__}: {error}", transient=not permanent)


class SmtpMailer:
    """One connection per send (no pool to go stale): connect, STARTTLS when the server offers
    it (``smtp://``) or implicit TLS (``smtps://``), log in when the URL has a user, send, quit.
    Every operation is bounded by ``timeout_s``. Nothing is retried here; the caller retries
    transient failures. Sending twice delivers twice, with the same ``Message-ID``."""

    def __init__(self, url: str, sender: str, timeout_s: float = 10.0) -> None:
        parts = urlsplit(url)
        try:
            self.port = parts.port
        except ValueError:
            raise ConfigurationError("SMTP_URL", "the port is not a number") from None
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ConfigurationError("SMTP_URL", "expected smtp[s]://[user:password@]host:port")
        self.host = parts.hostname
        self.implicit_tls = parts.scheme == "smtps"
        self.username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password or "") if parts.username else None
        self.sender = sender
        self.timeout_s = timeout_s

    def _client(self) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self._password,
            use_tls=self.implicit_tls,
            start_tls=False if self.implicit_tls else None,
            timeout=self.timeout_s,
        )

    async def send(self, mail: OutgoingMail) -> None:
        message = build_message(mail, self.sender)
        try:
            async with self._client() as client:
                await client.send_message(message, recipients=[mail.to_address])
        except (aiosmtplib.SMTPException, OSError) as error:
            raise _refusal(error) from error

    async def ping(self) -> None:
        """Connect, greet (and log in), NOOP, quit."""
        try:
            async with self._client() as client:
                await client.noop()
        except (aiosmtplib.SMTPException, OSError) as error:
            raise MailNotSent(f"{type(error).__name__}: {error}", transient=True) from error

    async def close(self) -> None:
        """Nothing is held between sends."""


class DirectoryMailer:
    """Writes ``<message_id>.eml`` (the wire bytes) into ``directory``, created when missing.
    The write is atomic (temporary file, then ``os.replace``): a reader never sees half a
    message, and sending the same message again replaces its file."""

    def __init__(self, directory: Path, sender: str = DEFAULT_SENDER) -> None:
        self.directory = directory
        self.sender = sender

    async def send(self, mail: OutgoingMail) -> None:
        data = build_message(mail, self.sender).as_bytes()
        try:
            await asyncio.to_thread(self._write, f"{mail.message_id}.eml", data)
        except OSError as error:
            raise MailNotSent(f"cannot write mail: {error}", transient=True) from error

    def _write(self, name: str, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.directory / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    async def ping(self) -> None:
        """Raises when the directory cannot be created or written."""
        try:
            await asyncio.to_thread(self._check)
        except OSError as error:
            raise MailNotSent(f"mail directory unusable: {error}", transient=True) from error

    def _check(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if not os.access(self.directory, os.W_OK | os.X_OK):
            raise PermissionError(f"{self.directory} is not writable")

    async def close(self) -> None:
        """Nothing is held."""


def mailer_from_url(url: str, sender: str, data_dir: Path) -> Mailer:
    """``""`` → ``<data_dir>/mail`` files; ``smtp://`` or ``smtps://`` → SMTP; else refused."""
    if url == "":
        return DirectoryMailer(data_dir / "mail", sender)
    if url.startswith(("smtp://", "smtps://")):
        return SmtpMailer(url, sender)
    scheme = urlsplit(url).scheme
    raise ConfigurationError("SMTP_URL", f"unsupported scheme {scheme!r} (smtp[s]:// or empty)")
