"""Setting a sale up through the public API, as a business and an admin would.

A deal is created by the demo business (``shop1@stampede.local``) through the catalog API,
open from a minute ago for two hours. Sales learns its stock from the catalog's ``StockSet``
event a moment later; :func:`wait_on_sale` asks the waiting room until the answer is no longer
404 (a deal without a waiting room answers 409 ``no-waiting-room`` once sales knows it; a
probe ticket in a deal with one is left again at once).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from harness.client import Pool
from stampede.identity.domain.demo import DEMO_ACCOUNTS


class SetupError(RuntimeError):
    pass


def demo_login(label_email: str) -> tuple[str, str]:
    account = next(a for a in DEMO_ACCOUNTS if a.email == label_email)
    return account.email, account.password


async def login(pool: Pool, email: str) -> str:
    """An access token of a demo account (one argon2 verification on the server)."""
    address, password = demo_login(email)
    body = {"email": address, "password": password}
    reply = await pool.request("POST", "/api/identity/login", body=body)
    if reply.status != 200:
        raise SetupError(f"log-in of {email}: {reply.status} {reply.body[:300]!r}")
    return str(reply.json()["access_token"])


async def create_deal(
    pool: Pool, token: str, *, stock: int, per_user_limit: int, waiting_room: bool, title: str
) -> str:
    """A deal open now; retried while the catalog does not know the business's company yet."""
    opens = datetime.now(UTC) - timedelta(minutes=1)
    body = {
        "kind": "deal",
        "title": title,
        "description": "flash-sale benchmark",
        "category": "digital",
        "list_price": 100_000,
        "deal_price": 50_000,
        "stock": stock,
        "per_user_limit": per_user_limit,
        "waiting_room": waiting_room,
        "opens_at": opens.isoformat(),
        "closes_at": (opens + timedelta(hours=2)).isoformat(),
    }
    deadline = time.monotonic() + 60
    while True:
        reply = await pool.request("POST", "/api/catalog/listings", token=token, body=body)
        if reply.status == 201:
            return str(reply.json()["id"])
        if reply.status >= 500 or time.monotonic() > deadline:
            raise SetupError(f"creating a deal: {reply.status} {reply.body[:300]!r}")
        await asyncio.sleep(0.5)  # e.g. 403/422 until the company has reached the catalog


async def wait_on_sale(pool: Pool, listing_id: str, token: str, timeout_s: float = 60) -> float:
    """Seconds until sales knows the listing (see the module docstring)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        reply = await pool.request("POST", f"/api/sales/{listing_id}/queue", token=token)
        if reply.status in (200, 201):
            await pool.request("DELETE", f"/api/sales/queue/{reply.json()['ticket']}", token=token)
            return time.monotonic() - started
        if reply.status == 409:
            return time.monotonic() - started
        if reply.status != 404:
            raise SetupError(f"probing sale {listing_id}: {reply.status} {reply.body[:300]!r}")
        await asyncio.sleep(0.1)
    raise SetupError(f"sales did not learn of listing {listing_id} in {timeout_s:.0f} s")


async def set_rate(pool: Pool, admin_token: str, listing_id: str, rate_per_s: float) -> int:
    """``PUT /api/sales/{id}/queue/rate``; the status (204 when it worked)."""
    path = f"/api/sales/{listing_id}/queue/rate"
    reply = await pool.request("PUT", path, token=admin_token, body={"rate_per_s": rate_per_s})
    return reply.status


async def new_sale(
    pool: Pool,
    tokens: dict[str, str],
    *,
    stock: int,
    waiting_room: bool,
    title: str,
    rate_per_s: float | None = None,
    per_user_limit: int = 1,
) -> str:
    """Create a deal, wait until sales sells it, and set its admission rate if asked."""
    listing_id = await create_deal(
        pool,
        tokens["business"],
        stock=stock,
        per_user_limit=per_user_limit,
        waiting_room=waiting_room,
        title=title,
    )
    await wait_on_sale(pool, listing_id, tokens["business"])
    if rate_per_s is not None:
        status = await set_rate(pool, tokens["admin"], listing_id, rate_per_s)
        if status != 204:
            raise SetupError(f"PUT queue/rate answered {status}")
    return listing_id


async def create_listing(pool: Pool, token: str, body: dict[str, object]) -> str:
    """Any listing through ``POST /api/catalog/listings``, retried like :func:`create_deal`."""
    deadline = time.monotonic() + 60
    while True:
        reply = await pool.request("POST", "/api/catalog/listings", token=token, body=body)
        if reply.status == 201:
            return str(reply.json()["id"])
        if reply.status >= 500 or time.monotonic() > deadline:
            raise SetupError(f"creating a {body['kind']}: {reply.status} {reply.body[:300]!r}")
        await asyncio.sleep(0.5)


def performance_body(
    seats: int, *, per_user_limit: int, waiting_room: bool, title: str
) -> dict[str, object]:
    """A performance on sale now (for two hours) with one session of ``seats`` seats, in rows
    of up to 50 (as ``tests/catalog/support.py`` ``performance()``/``seat_map()`` build it)."""
    opens = datetime.now(UTC) - timedelta(minutes=1)
    rows = [
        {
            "name": str(r + 1),
            "seats": [{"number": n + 1, "grade": "R"} for n in range(min(50, seats - 50 * r))],
        }
        for r in range((seats + 49) // 50)
    ]
    return {
        "kind": "performance",
        "title": title,
        "genre": "뮤지컬",
        "venue": "블루스퀘어",
        "category": "musical",
        "per_user_limit": per_user_limit,
        "waiting_room": waiting_room,
        "opens_at": opens.isoformat(),
        "closes_at": (opens + timedelta(hours=2)).isoformat(),
        "sessions": [
            {
                "starts_at": (opens + timedelta(days=1)).isoformat(),
                "seat_map": {"prices": {"R": 150_000}, "sections": [{"name": "A", "rows": rows}]},
            }
        ],
    }


def car_body(title: str, car_number: str) -> dict[str, object]:
    """A rental car (admins only), as ``tests/catalog/support.py`` ``car()`` builds it."""
    return {
        "kind": "car",
        "title": title,
        "car_number": car_number,
        "region": "서울",
        "daily_rate": 55_000,
    }
