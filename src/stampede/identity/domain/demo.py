"""Demo accounts for a fresh ``stampede up``; their passwords say "demo" and are printed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from stampede.identity.domain.accounts import ADMIN, CUSTOMER
from stampede.identity.domain.companies import Application, brn_check_digit

DEMO_NAMESPACE = uuid.UUID("5d3c6a4e-7b1f-4c2a-9e8d-0f6b2a7c9d11")
"""Demo ids are ``uuid5(DEMO_NAMESPACE, ...)`` so other contexts' demo data can name them."""


@dataclass(frozen=True)
class DemoCompany:
    name: str
    first_nine: str
    phone: str
    email: str

    @property
    def registration_number(self) -> str:
        return self.first_nine + str(brn_check_digit(self.first_nine))

    @property
    def company_id(self) -> str:
        """The same on every fresh start, so the catalog's demo feed can name the owner."""
        return str(uuid.uuid5(DEMO_NAMESPACE, self.registration_number))

    @property
    def application(self) -> Application:
        return Application(self.name, self.registration_number, self.email, self.phone)


@dataclass(frozen=True)
class DemoAccount:
    label: str
    email: str
    name: str
    roles: tuple[str, ...] = (CUSTOMER,)
    company: DemoCompany | None = None

    @property
    def password(self) -> str:
        return "demo-pass-" + self.email.partition("@")[0]

    def login_line(self) -> str:
        return f"{self.label:<9} {self.email} / {self.password}"


DEMO_ACCOUNTS = (
    DemoAccount("admin", "admin@stampede.local", "관리자", (CUSTOMER, ADMIN)),
    DemoAccount(
        "business",
        "shop1@stampede.local",
        "김태호",
        company=DemoCompany(
            "트워드 모바일", "220811234", "02-555-0101", "contact@tword-mobile.example"
        ),
    ),
    DemoAccount(
        "business",
        "shop2@stampede.local",
        "이수진",
        company=DemoCompany(
            "별빛 렌터카", "105870567", "051-555-0202", "contact@byeolbit-rent.example"
        ),
    ),
    DemoAccount("customer", "minji@stampede.local", "김민지"),
    DemoAccount("customer", "jihoon@stampede.local", "박지훈"),
    DemoAccount("customer", "seoyeon@stampede.local", "최서연"),
)
