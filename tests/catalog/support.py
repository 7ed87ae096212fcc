"""Helpers for the catalog's tests: approved businesses through identity's public API, listing
bodies of every kind, the catalog's clock and its outbox."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from stampede.compose import Platform
from stampede.identity.domain.companies import brn_check_digit
from stampede.kernel.module import Runtime
from stampede.kernel.outbox import OutboxRow
from tests.identity.support import User, bearer, log_in, new_admin, new_user

CATALOG = "/api/catalog"
PROBLEM = "application/problem+json"
NOW = datetime(2025, 3, 10, 0, 0, tzinfo=UTC)  # Monday 09:00 in Seoul
_numbers = itertools.count(100_000_001)


def catalog(platform: Platform) -> Runtime:
    return platform.runtimes["catalog"]


def freeze(platform: Platform, at: datetime = NOW) -> None:
    """Set the catalog's clock (``Runtime.now()``) to ``at``."""
    catalog(platform).clock = lambda: at


def kst(day: int, hour: int, minute: int = 0) -> datetime:
    """March ``day`` 2025 at ``hour:minute`` in Seoul, as UTC."""
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC) - timedelta(hours=9)


def iso(at: datetime) -> str:
    return at.isoformat()


@dataclass
class Business:
    user: User
    company_id: str

    @property
    def auth(self) -> dict[str, str]:
        return self.user.auth


def registration_number() -> str:
    first_nine = str(next(_numbers))
    return first_nine + str(brn_check_digit(first_nine))


async def new_business(
    api: httpx.AsyncClient, platform: Platform, admin: User | None = None, name: str = "트워드"
) -> Business:
    """A user whose company identity approved, logged in again (business role), with the
    catalog's copy of the company in place."""
    user = await new_user(api)
    body = {
        "name": name,
        "registration_number": registration_number(),
        "contact_email": "shop@example.com",
        "contact_phone": "02-555-0101",
    }
    reply = await api.post("/api/identity/companies", headers=user.auth, json=body)
    assert reply.status_code == 201, reply.text
    company_id: str = reply.json()["id"]
    admin = admin or await new_admin(api, platform)
    path = f"/api/identity/companies/{company_id}/approve"
    approved = await api.post(path, headers=admin.auth)
    assert approved.status_code == 200, approved.text
    tokens = await log_in(api, user.email)
    user.access, user.refresh = tokens["access_token"], tokens["refresh_token"]
    await platform.settle()
    return Business(user, company_id)


def deal(start: datetime | None = None, hours: int = 1, **changes: Any) -> dict[str, Any]:
    """A deal body opening at ``start`` (default tomorrow 10:00 in Seoul) for ``hours``."""
    opens_at = start or kst(11, 10)
    body: dict[str, Any] = {
        "kind": "deal",
        "title": "제주 감귤 5kg",
        "description": "새콤달콤 Jeju tangerines",
        "images": ["https://img.example.com/a.jpg"],
        "category": "food",
        "list_price": 30000,
        "deal_price": 19900,
        "stock": 100,
        "per_user_limit": 2,
        "opens_at": iso(opens_at),
        "closes_at": iso(opens_at + timedelta(hours=hours)),
    }
    return body | changes


def seat_map(rows: int = 2, seats: int = 3) -> dict[str, Any]:
    return {
        "prices": {"R": 150000, "S": 99000},
        "sections": [
            {
                "name": "A",
                "rows": [
                    {
                        "name": str(r + 1),
                        "seats": [
                            {"number": n + 1, "grade": "R" if r == 0 else "S"} for n in range(seats)
                        ],
                    }
                    for r in range(rows)
                ],
            }
        ],
    }


def performance(start: datetime | None = None, **changes: Any) -> dict[str, Any]:
    opens_at = start or kst(11, 10)
    body: dict[str, Any] = {
        "kind": "performance",
        "title": "뮤지컬 레미제라블",
        "genre": "뮤지컬",
        "venue": "블루스퀘어",
        "category": "musical",
        "opens_at": iso(opens_at),
        "closes_at": iso(opens_at + timedelta(days=5)),
        "sessions": [
            {"starts_at": iso(opens_at + timedelta(days=6)), "seat_map": seat_map()},
            {"starts_at": iso(opens_at + timedelta(days=7)), "seat_map": seat_map(1, 2)},
        ],
    }
    return body | changes


def device(shop_id: str, *serials: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "device",
        "title": "삼성 갤럭시 S24",
        "shop_id": shop_id,
        "price": 1155000,
        "units": [{"serial": s} for s in (serials or ("SN-0001", "SN-0002"))],
    }
    return body | changes


def car(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "car",
        "title": "현대 아반떼",
        "car_number": "12가 3456",
        "region": "서울",
        "daily_rate": 55000,
    }
    return body | changes


async def create(
    api: httpx.AsyncClient, auth: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    reply = await api.post(f"{CATALOG}/listings", headers=auth, json=body)
    assert reply.status_code == 201, reply.text
    created: dict[str, Any] = reply.json()
    return created


async def new_shop(api: httpx.AsyncClient, auth: dict[str, str], name: str = "강남점") -> str:
    body = {"name": name, "address": "서울 강남구 테헤란로 1", "region": "서울"}
    reply = await api.post(f"{CATALOG}/shops", headers=auth, json=body)
    assert reply.status_code == 201, reply.text
    shop_id: str = reply.json()["id"]
    return shop_id


async def events(platform: Platform, event_type: str) -> list[dict[str, Any]]:
    """The data of every catalog outbox row of this type, oldest first."""
    async with catalog(platform).db.sessions() as session:
        rows = await session.scalars(
            select(OutboxRow).where(OutboxRow.type == event_type).order_by(OutboxRow.seq)
        )
        return [row.data for row in rows]


__all__ = ["User", "bearer", "new_admin", "new_user"]
