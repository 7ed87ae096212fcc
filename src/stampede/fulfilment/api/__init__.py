"""Fulfilment's routes: ``/api/fulfilment/deliveries|rentals`` (``staff``),
``/api/fulfilment/tickets`` (``tickets``) and ordering's signed ``/internal/fulfilment/orders``
(``internal``)."""

from __future__ import annotations

from fastapi import APIRouter

from stampede.fulfilment.api import internal, staff, tickets

router = APIRouter()
router.include_router(staff.router)
router.include_router(tickets.router)
router.include_router(internal.router)
