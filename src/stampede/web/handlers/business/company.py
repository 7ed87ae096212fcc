"""The company behind a business: its application, and the dashboard once approved."""

from __future__ import annotations

from typing import Any

from stampede.web.handlers.session import Visit
from stampede.web.store import ApiProblem

APPLICATION_FIELDS = ("name", "registration_number", "contact_email", "contact_phone")


async def own_companies(visit: Visit) -> list[dict[str, Any]]:
    """The visitor's applications, newest first (every one for an admin: not used for them)."""
    answer = await visit.get("/api/identity/companies", params={"limit": 20})
    return list(answer["items"])


async def apply(visit: Visit, form: dict[str, str]) -> dict[str, Any]:
    body = {name: form.get(name, "").strip() for name in APPLICATION_FIELDS}
    answer: dict[str, Any] = await visit.post("/api/identity/companies", body)
    return answer


async def approved_company(visit: Visit) -> dict[str, Any] | None:
    """The visitor's first approved company, if any."""
    visitor = visit.visitor
    if visitor is not None and visitor.has("admin") and not visitor.has("business"):
        return None
    approved = [c for c in await own_companies(visit) if c["status"] == "approved"]
    return approved[-1] if approved else None


async def dashboard(visit: Visit) -> dict[str, Any]:
    """Counts for the dashboard: listings, orders waiting to be handled, revenue; whether the
    catalog knows the company yet (it learns of the approval a moment later)."""
    counts: dict[str, Any] = {"catalog_ready": True}
    try:
        mine = await visit.get("/api/catalog/mine", params={"limit": 100})
        counts["listings"] = len(mine["items"])
        counts["listings_more"] = mine["next_cursor"] is not None
    except ApiProblem as problem:
        if problem.status != 403:
            raise
        counts.update(catalog_ready=False, listings=0, listings_more=False)
    counts["to_ship"] = await _count(visit, "/api/fulfilment/deliveries", "requested")
    counts["to_pick_up"] = await _count(visit, "/api/fulfilment/rentals", "booked")
    sales = await visit.get("/api/ordering/sales")
    counts["revenue"] = sum(int(row["revenue"]) for row in sales["listings"])
    counts["orders"] = sum(int(row["orders"]) for row in sales["listings"])
    return counts


async def _count(visit: Visit, path: str, state: str) -> int:
    answer = await visit.get(path, params={"state": state, "limit": 100})
    return len(answer["items"])
