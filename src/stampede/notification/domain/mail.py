"""One e-mail as the mail workers send it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MailQueue(StrEnum):
    """The two work queues: verification mail is never stuck behind a burst of other mail."""

    VERIFY = "verify"
    OTHER = "other"


@dataclass(frozen=True)
class OutgoingMail:
    """``message_id`` is the delivery's id: the same message sent twice carries the same
    ``Message-ID`` header, so a duplicate can be told apart from a second message."""

    message_id: str
    to_address: str
    to_name: str
    subject: str
    text: str
    html: str
    queue: MailQueue = MailQueue.OTHER
