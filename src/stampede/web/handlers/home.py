"""What the home page shows, read from the catalog's public listings."""

from __future__ import annotations

from typing import Any

from stampede.web.handlers.session import Visit


async def front(visit: Visit) -> dict[str, Any]:
    deals = await visit.get("/api/catalog/listings", params={"kind": "deal", "limit": 12})
    shows = await visit.get("/api/catalog/listings", params={"kind": "performance", "limit": 8})
    categories = await visit.get("/api/catalog/categories")
    return {"deals": deals["items"], "shows": shows["items"], "categories": categories}
