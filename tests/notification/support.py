"""Helpers for the notification tests: the mail the platform sent (files in ``var/mail`` when no
SMTP server is configured) and the caller's inbox."""

from __future__ import annotations

import email
import re
from email.message import EmailMessage
from email.policy import default
from typing import Any

import httpx

from stampede.compose import Platform

NOTIFICATION = "/api/notification"


def mailbox(platform: Platform) -> list[EmailMessage]:
    """Every mail written so far, oldest first."""
    folder = platform.settings.data_dir / "mail"
    files = (
        sorted(folder.glob("*.eml"), key=lambda f: f.stat().st_mtime_ns) if folder.exists() else []
    )
    return [email.message_from_bytes(f.read_bytes(), policy=default) for f in files]


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def mails_to(platform: Platform, address: str, about: str = "") -> list[EmailMessage]:
    """Mail to ``address`` whose subject mentions ``about``."""
    return [m for m in mailbox(platform) if address in str(m["To"]) and about in str(m["Subject"])]


def verification_tokens(platform: Platform) -> list[str]:
    """Tokens of the verification links mailed so far, oldest first."""
    found: list[str] = []
    for mail in mailbox(platform):
        found += re.findall(r"verify-email\?token=([A-Za-z0-9_\-]+)", text_of(mail))
    return found


async def inbox(api: httpx.AsyncClient, auth: dict[str, str], **params: Any) -> dict[str, Any]:
    reply = await api.get(f"{NOTIFICATION}/inbox", headers=auth, params=params)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body
