"""The catalog's HTTP API under ``/api/catalog``: parse the request, call a handler (or a view
for GET), shape the answer. Bodies are strict; every string is bounded."""

from __future__ import annotations

from fastapi import APIRouter

from stampede.catalog.api import engagement, listings, shops

router = APIRouter()
router.include_router(listings.router)
router.include_router(shops.router)
router.include_router(engagement.router)

__all__ = ["router"]
