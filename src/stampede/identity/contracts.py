"""Events identity publishes: the only module other contexts may import.

Each is emitted through the outbox in the transaction of the change it reports, so it is
published exactly when that change is committed.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from stampede.kernel.messages import Event


class IdentityEvent(Event):
    source: ClassVar[str] = "identity"


class AccountRegistered(IdentityEvent):
    """An account was created, by sign-up, by an operator (admin) or by the demo seed."""

    user_id: str
    email: str
    name: str
    locale: str


class EmailVerificationRequested(IdentityEvent):
    """A verification token was issued at sign-up or on request; mail it to ``email``.

    ``token`` is the only copy of the secret (identity stores its hash); it works once, until
    ``expires_at``.
    """

    user_id: str
    email: str
    name: str
    locale: str
    token: str
    expires_at: datetime


class EmailVerified(IdentityEvent):
    """The owner of ``email`` used a valid verification token for the first time."""

    user_id: str
    email: str


class ProfileUpdated(IdentityEvent):
    """The owner changed their profile; ``changed`` names the fields that were given."""

    user_id: str
    name: str
    locale: str
    changed: tuple[str, ...]


class CompanyApplied(IdentityEvent):
    """A user applied to sell as a company; an admin will approve or reject it."""

    company_id: str
    owner_id: str
    name: str
    registration_number: str


class CompanyApproved(IdentityEvent):
    """An admin approved a pending application; the owner now holds the ``business`` role."""

    company_id: str
    owner_id: str
    name: str
    registration_number: str
    contact_email: str
    contact_phone: str


class CompanyRejected(IdentityEvent):
    """An admin rejected a pending application, giving ``reason``."""

    company_id: str
    owner_id: str
    name: str
    reason: str
