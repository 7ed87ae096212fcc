"""The sales HTTP API under ``/api/sales``: the waiting room and holds. Bodies are strict;
every string is bounded; only the owner of a ticket or a hold sees or changes it. Ordering's
signed commands on holds are under ``/internal/sales`` (``orders``)."""

from __future__ import annotations

from fastapi import APIRouter

from stampede.sales.api import holds, orders, queue

router = APIRouter()
router.include_router(queue.router)
router.include_router(holds.router)
router.include_router(orders.router)

__all__ = ["router"]
