"""Demo accounts for a fresh ``stampede up``; their passwords say "demo" and are printed."""

from __future__ import annotations

from dataclasses import dataclass

from stampede.identity.domain.accounts import ADMIN, CUSTOMER
from stampede.identity.domain.companies import Application, brn_check_digit


@dataclass(frozen=True)
class DemoCompany:
    name: str
    first_nine: str
    phone: str
    email: str

    @property
    def application(self) -> Application:
        number = self.first_nine + str(brn_check_digit(self.first_nine))
        return Application(self.name, number, self.email, self.phone)


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
