"""What the home page shows, read from the catalog's public listings: deals open now, the
week's deals, the categories and the performances whose ticket sale is open."""

from __future__ import annotations

from typing import Any

from stampede.web.handlers.session import Visit

LISTINGS = "/api/catalog/listings"


async def _items(visit: Visit, **params: Any) -> list[dict[str, Any]]:
    found = await visit.get(LISTINGS, params=params)
    items: list[dict[str, Any]] = found["items"]
    return items


async def front(visit: Visit) -> dict[str, Any]:
    return {
        "today": await _items(visit, kind="deal", status="open", limit=12),
        "week": await _items(visit, kind="deal", window="week", status="scheduled", limit=12),
        "shows": await _items(visit, kind="performance", status="open", limit=8),
        "categories": await visit.get("/api/catalog/categories"),
    }
