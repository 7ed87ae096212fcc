"""What the search, listing, wish-list and keyword-alert pages show, read from the catalog."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from stampede.web.domain.calendar import periods_of, weeks_ahead
from stampede.web.domain.format import KST
from stampede.web.handlers.session import Visit
from stampede.web.store import ApiProblem

KINDS = ("deal", "performance", "device", "car")
WISHLIST_PAGE = 100


def new_key() -> str:
    """An Idempotency-Key for one rendering of a form: a double submit repeats it."""
    return uuid.uuid4().hex


async def categories(visit: Visit) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await visit.get("/api/catalog/categories")
    return found


async def search(visit: Visit, q: str, kind: str, category: str, cursor: str) -> dict[str, Any]:
    """One page of listings matching the query; only known filters are passed on."""
    params: dict[str, Any] = {"limit": 24}
    if q.strip():
        params["q"] = q.strip()
    if kind in KINDS:
        params["kind"] = kind
    cats = await categories(visit)
    if category in {c["code"] for c in cats}:
        params["category"] = category
    if cursor:
        params["cursor"] = cursor
    found = await visit.get("/api/catalog/listings", params=params)
    return {"items": found["items"], "next_cursor": found["next_cursor"], "categories": cats}


async def liked(visit: Visit, listing_id: str) -> bool:
    """Whether the logged-in visitor has this listing in their wish list."""
    if visit.visitor is None and not visit.refresh:
        return False
    wished = await visit.get("/api/catalog/wishlist", params={"limit": WISHLIST_PAGE})
    return any(item["listing_id"] == listing_id for item in wished["items"])


async def listing(visit: Visit, listing_id: str) -> dict[str, Any]:
    """The listing's detail with what is left of it now (a performance's taken seats, a
    phone's free units per shop, a car's booked days, from sales), whether the visitor likes
    it, and a fresh hold key."""
    detail = await visit.get(f"/api/catalog/listings/{listing_id}")
    left: dict[str, Any] = {}
    if detail.get("kind") in ("performance", "device", "car"):
        left = await visit.get(f"/api/sales/{listing_id}/availability")
    if "units_free" in left:
        detail = with_free_units(detail, left["units_free"])
    booked = periods_of(left.get("days_booked", []))
    today = datetime.now(KST).date()
    return {
        "item": detail,
        "liked": await liked(visit, listing_id),
        "idem": new_key(),
        "taken": frozenset(left.get("seats_taken", [])),
        "booked": booked,
        "calendar": weeks_ahead(today, booked),
        "today": today,
    }


def with_free_units(detail: dict[str, Any], free: dict[str, int]) -> dict[str, Any]:
    """The phone's shops with the units no hold or order has (shops sales does not know yet
    keep the catalog's count)."""
    device = dict(detail["device"])
    shops = [{**s, "available": free.get(s["shop_id"], s["available"])} for s in device["shops"]]
    device.update(shops=shops, available=sum(s["available"] for s in shops))
    return {**detail, "device": device}


def chosen_session(item: dict[str, Any], session_id: str) -> dict[str, Any] | None:
    """The performance session asked for, else the first one."""
    sessions: list[dict[str, Any]] = (item.get("performance") or {}).get("sessions") or []
    picked = [s for s in sessions if s["id"] == session_id] or sessions
    return picked[0] if picked else None


async def like(visit: Visit, listing_id: str) -> None:
    await visit.post(f"/api/catalog/listings/{listing_id}/like")


async def unlike(visit: Visit, listing_id: str) -> None:
    await visit.delete(f"/api/catalog/listings/{listing_id}/like")


async def wishlist(visit: Visit) -> list[dict[str, Any]]:
    wished = await visit.get("/api/catalog/wishlist", params={"limit": WISHLIST_PAGE})
    items: list[dict[str, Any]] = wished["items"]
    return items


async def keywords(visit: Visit) -> list[dict[str, Any]]:
    found = await visit.get("/api/catalog/keywords")
    items: list[dict[str, Any]] = found["items"]
    return items


async def add_keyword(visit: Visit, keyword: str) -> None:
    await visit.post("/api/catalog/keywords", {"keyword": keyword})


async def remove_keyword(visit: Visit, subscription_id: str) -> None:
    """Forget a keyword alert; one that is already gone is no problem."""
    try:
        await visit.delete(f"/api/catalog/keywords/{subscription_id}")
    except ApiProblem as problem:
        if problem.status not in (404, 422):
            raise
