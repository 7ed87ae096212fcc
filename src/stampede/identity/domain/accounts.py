"""Account rules: roles, e-mail and password policy, password hashing, login throttling."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email

from stampede.kernel.errors import Unprocessable

CUSTOMER, BUSINESS, ADMIN = "customer", "business", "admin"
ROLES = (CUSTOMER, BUSINESS, ADMIN)
Locale = Literal["ko", "en"]
PASSWORD_MIN, PASSWORD_MAX = 8, 128
NAME_MAX = 50
EMAIL_MAX = 254
_TRUSTED_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def normalize_email(raw: str) -> str:
    """The address lowercased after a syntax check (no DNS); 422 ``invalid-email`` otherwise."""
    try:
        checked = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise Unprocessable(f"invalid e-mail address: {exc}", slug="invalid-email") from exc
    return checked.normalized.lower()


def normalize_trusted_email(raw: str) -> str:
    """Like :func:`normalize_email` but also takes internal domains such as ``.local``.

    For addresses an operator gives (CLI, demo seed), never for public sign-up.
    """
    address = raw.strip().lower()
    if len(address) > EMAIL_MAX or not _TRUSTED_EMAIL.fullmatch(address):
        raise Unprocessable(f"invalid e-mail address: {raw!r}", slug="invalid-email")
    return address


def check_password(password: str) -> str:
    """The password when it has 8–128 characters; 422 ``invalid-password`` otherwise."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise Unprocessable(
            f"a password has {PASSWORD_MIN} to {PASSWORD_MAX} characters", slug="invalid-password"
        )
    return password


def check_name(name: str) -> str:
    """The name without surrounding blanks, 1–50 characters; 422 ``invalid-name`` otherwise."""
    name = name.strip()
    if not 1 <= len(name) <= NAME_MAX:
        raise Unprocessable(f"a name has 1 to {NAME_MAX} characters", slug="invalid-name")
    return name


def with_role(roles: Iterable[str], role: str) -> list[str]:
    """``roles`` plus ``role``, without duplicates, in the canonical order of :data:`ROLES`."""
    held = set(roles) | {role}
    return [r for r in ROLES if r in held] + sorted(held - set(ROLES))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches; a malformed hash counts as a mismatch."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_password_or_dummy(password_hash: str | None, password: str) -> bool:
    """Like :func:`verify_password`; without a hash (no such account) it checks a dummy one
    and answers False, taking the same time as a real check."""
    matched = verify_password(password_hash or dummy_hash(), password)
    return matched and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than the current ones."""
    return _hasher.check_needs_rehash(password_hash)


@cache
def dummy_hash() -> str:
    """A hash to verify against when the account does not exist, so timing reveals nothing."""
    return _hasher.hash("no-such-account-dummy-password")


@dataclass(frozen=True)
class LoginLimits:
    """Failed logins tolerated per account and per client IP within ``window_s``."""

    per_account: int = 5
    per_ip: int = 20
    window_s: int = 15 * 60

    def counters(self, email: str, ip: str) -> tuple[tuple[str, int], ...]:
        """The store keys counting failures of this account and this IP, with their limits."""
        return (self.account_key(email), self.per_account), (self.ip_key(ip), self.per_ip)

    def account_key(self, email: str) -> str:
        return "identity:login-failures:account:" + hashlib.sha256(email.encode()).hexdigest()

    def ip_key(self, ip: str) -> str:
        return "identity:login-failures:ip:" + ip[:64]
