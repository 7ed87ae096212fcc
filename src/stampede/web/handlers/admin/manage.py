"""What admins decide: company applications, cars' status and listings' visibility, and
reported posts."""

from __future__ import annotations

import asyncio
from typing import Any

from stampede.web.handlers.session import Visit
from stampede.web.store import ApiProblem

COMPANY_STATES = ("pending", "approved", "rejected")
CAR_STATES = ("available", "reserved", "rented", "maintenance")


async def companies(visit: Visit, status: str) -> list[dict[str, Any]]:
    params = {"status": status, "limit": 100} if status in COMPANY_STATES else {"limit": 100}
    answer = await visit.get("/api/identity/companies", params=params)
    return list(answer["items"])


async def decide(visit: Visit, company_id: str, approve: bool, reason: str = "") -> None:
    path = f"/api/identity/companies/{company_id}"
    if approve:
        await visit.post(f"{path}/approve")
    else:
        await visit.post(f"{path}/reject", {"reason": reason})


async def catalog(visit: Visit, cursor: str | None) -> dict[str, Any]:
    """The platform's cars (with their status, from each car's detail) and published phones."""
    params: dict[str, Any] = {"kind": "car", "limit": 50}
    cars = await visit.get("/api/catalog/mine", params=params)
    details = await asyncio.gather(
        *(visit.get(f"/api/catalog/listings/{car['id']}") for car in cars["items"])
    )
    phone_params: dict[str, Any] = {"kind": "device", "limit": 50}
    if cursor:
        phone_params["cursor"] = cursor
    phones = await visit.get("/api/catalog/listings", params=phone_params)
    return {"cars": list(details), "phones": phones["items"], "next": phones["next_cursor"]}


async def set_car_status(visit: Visit, listing_id: str, car_status: str) -> None:
    await visit.patch(f"/api/catalog/listings/{listing_id}", {"car_status": car_status})


async def set_published(visit: Visit, listing_id: str, published: bool) -> None:
    action = "publish" if published else "unpublish"
    await visit.post(f"/api/catalog/listings/{listing_id}/{action}")


async def reports(visit: Visit, cursor: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": 50}
    if cursor:
        params["cursor"] = cursor
    answer: dict[str, Any] = await visit.get("/api/community/reports", params=params)
    return answer


async def moderate(visit: Visit, post_id: str, action: str) -> None:
    if action not in ("hide", "restore"):
        raise ApiProblem(404)
    await visit.post(f"/api/community/posts/{post_id}/{action}")
