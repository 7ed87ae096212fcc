"""Queue tickets and admission tokens.

A ticket reads ``<listing_id>~<random>``: it names its sale, and guessing one is hopeless. An
admission token reads ``<ticket>~<expires_s>~<mac>`` where the MAC (HMAC-SHA256 under the
service secret) covers ticket, user and expiry — so a token is bound to one user and one sale,
cannot be forged or stretched, and is checked without a round trip. That it was issued only
once admitted, and that it makes only one hold, the atomic hold step checks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

SEPARATOR = "~"


def new_ticket(listing_id: str) -> str:
    return f"{listing_id}{SEPARATOR}{secrets.token_urlsafe(12)}"


def ticket_sale(ticket: str) -> str | None:
    """The listing a ticket belongs to, or None when it is not a ticket."""
    listing_id, sep, rest = ticket.partition(SEPARATOR)
    return listing_id if sep and listing_id and rest and SEPARATOR not in rest else None


def _mac(secret: str, ticket: str, user_id: str, expires_s: int) -> str:
    message = f"{ticket}\n{user_id}\n{expires_s}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode()


def admission_token(secret: str, ticket: str, user_id: str, expires_s: int) -> str:
    return SEPARATOR.join((ticket, str(expires_s), _mac(secret, ticket, user_id, expires_s)))


@dataclass(frozen=True)
class Admission:
    ticket: str
    listing_id: str
    expires_s: int


def read_admission(secret: str, token: str, user_id: str) -> Admission | None:
    """The admission in ``token`` if it is genuine and ``user_id``'s; None otherwise (forged,
    mangled or someone else's). Expiry is the caller's check (it knows the time)."""
    ticket, sep, tail = token.rpartition(SEPARATOR)
    ticket, sep2, expires = ticket.rpartition(SEPARATOR)
    listing_id = ticket_sale(ticket)
    if not (sep and sep2 and listing_id and expires.isdigit()):
        return None
    if not hmac.compare_digest(tail, _mac(secret, ticket, user_id, int(expires))):
        return None
    return Admission(ticket, listing_id, int(expires))
