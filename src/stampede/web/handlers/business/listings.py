"""The business's listings and shops, read from and written to the catalog."""

from __future__ import annotations

from typing import Any

from stampede.web.handlers.business import company
from stampede.web.handlers.business.forms import listing_body, patch_body
from stampede.web.handlers.session import Visit

CATALOG = "/api/catalog"


async def mine(visit: Visit, cursor: str | None, kind: str | None) -> dict[str, Any]:
    """A page of the caller's listings, newest first (an admin: the platform's own)."""
    params: dict[str, Any] = {"limit": 50}
    if cursor:
        params["cursor"] = cursor
    if kind:
        params["kind"] = kind
    answer: dict[str, Any] = await visit.get(f"{CATALOG}/mine", params=params)
    return answer


async def create(visit: Visit, kind: str, form: dict[str, str]) -> dict[str, Any]:
    answer: dict[str, Any] = await visit.post(f"{CATALOG}/listings", listing_body(kind, form))
    return answer


async def one(visit: Visit, listing_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = await visit.get(f"{CATALOG}/listings/{listing_id}")
    return answer


async def change(visit: Visit, listing_id: str, form: dict[str, str]) -> dict[str, Any]:
    listing = await one(visit, listing_id)
    body = patch_body(str(listing["kind"]), form)
    answer: dict[str, Any] = await visit.patch(f"{CATALOG}/listings/{listing_id}", body)
    return answer


async def set_published(visit: Visit, listing_id: str, published: bool) -> None:
    action = "publish" if published else "unpublish"
    await visit.post(f"{CATALOG}/listings/{listing_id}/{action}")


async def shops(visit: Visit) -> list[dict[str, Any]]:
    """The shops of the caller's company (every shop for an admin without one)."""
    params: dict[str, Any] = {"limit": 100}
    approved = await company.approved_company(visit)
    if approved is not None:
        params["company_id"] = approved["id"]
    answer = await visit.get(f"{CATALOG}/shops", params=params)
    return list(answer["items"])


async def add_shop(visit: Visit, form: dict[str, str]) -> None:
    body = {name: form.get(name, "") for name in ("name", "address", "region")}
    await visit.post(f"{CATALOG}/shops", body)
