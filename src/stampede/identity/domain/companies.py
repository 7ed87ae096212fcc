"""Company applications: Korean business registration numbers and the review decision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from stampede.identity.domain.accounts import normalize_email
from stampede.kernel.errors import Conflict, Unprocessable

CompanyStatus = Literal["pending", "approved", "rejected"]
PENDING: CompanyStatus = "pending"
APPROVED: CompanyStatus = "approved"
REJECTED: CompanyStatus = "rejected"
STATUSES: tuple[CompanyStatus, ...] = (PENDING, APPROVED, REJECTED)
_BRN_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)


def brn_check_digit(first_nine: str) -> int:
    """The tenth digit of a business registration number (사업자등록번호) with these nine.

    Official rule: weights 1,3,7,1,3,7,1,3,5; add ⌊9th digit × 5 / 10⌋; the check digit is
    ``(10 - sum mod 10) mod 10``.
    """
    digits = [int(c) for c in first_nine]
    total = sum(d * w for d, w in zip(digits, _BRN_WEIGHTS, strict=True))
    total += digits[8] * 5 // 10
    return (10 - total % 10) % 10


def normalize_brn(raw: str) -> str:
    """The ten digits of a valid registration number; dashes and blanks are dropped.

    422 ``invalid-registration-number`` when it is not ten digits or the check digit is wrong.
    """
    digits = raw.replace("-", "").replace(" ", "")
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        raise Unprocessable(
            "a business registration number has 10 digits", slug="invalid-registration-number"
        )
    if brn_check_digit(digits[:9]) != int(digits[9]):
        raise Unprocessable(
            "the business registration number's check digit is wrong",
            slug="invalid-registration-number",
        )
    return digits


def format_brn(digits: str) -> str:
    """``1234567890`` → ``123-45-67890``, the way it is printed on the certificate."""
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


def decide(current: str, decision: CompanyStatus) -> CompanyStatus:
    """The new status; only a pending application can be decided (409 ``already-decided``)."""
    if current != PENDING:
        raise Conflict(f"the application is already {current}", slug="already-decided")
    return decision


@dataclass(frozen=True)
class Application:
    """What an applicant fills in about their company."""

    name: str
    registration_number: str
    contact_email: str
    contact_phone: str

    def checked(self) -> Application:
        """Normalised (ten-digit number, lowercased e-mail, trimmed text); 422 when invalid."""
        return Application(
            name=self.name.strip(),
            registration_number=normalize_brn(self.registration_number),
            contact_email=normalize_email(self.contact_email),
            contact_phone=self.contact_phone.strip(),
        )
