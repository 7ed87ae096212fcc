"""Deliveries and rentals: the seller's staff (or an admin) list and move them; the buyer,
the seller and an admin read one."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from stampede.fulfilment import handlers
from stampede.fulfilment.api.common import DEFAULT_LIMIT, Cursor, Limit, P, Staff, UowDep
from stampede.fulfilment.views import reads
from stampede.fulfilment.views.models import (
    DeliveryPage,
    DeliveryView,
    RentalPage,
    RentalView,
    delivery_view,
    rental_view,
)
from stampede.kernel.auth import CurrentUser

router = APIRouter(tags=["fulfilment"])
DeliveryState = Annotated[Literal["requested", "shipped", "delivered", "cancelled"] | None, Query()]
RentalState = Annotated[Literal["booked", "picked_up", "returned", "cancelled"] | None, Query()]


@router.get(f"{P}/deliveries")
async def deliveries(
    user: Staff,
    uow: UowDep,
    state: DeliveryState = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> DeliveryPage:
    """The caller's orders to deliver, oldest first (every seller's for an admin)."""
    return await reads.deliveries(uow, user, state, cursor, limit)


@router.get(f"{P}/deliveries/{{delivery_id}}")
async def delivery(delivery_id: uuid.UUID, user: CurrentUser, uow: UowDep) -> DeliveryView:
    return await reads.delivery(uow, user, str(delivery_id))


@router.post(f"{P}/deliveries/{{delivery_id}}/ship")
async def ship(delivery_id: uuid.UUID, user: Staff, uow: UowDep) -> DeliveryView:
    """The goods left the shop (again: no change); 409 unless requested or shipped."""
    return delivery_view(await handlers.move_delivery(uow, user, str(delivery_id), "ship"))


@router.post(f"{P}/deliveries/{{delivery_id}}/deliver")
async def deliver(delivery_id: uuid.UUID, user: Staff, uow: UowDep) -> DeliveryView:
    """The buyer has the goods (again: no change); 409 before shipping."""
    return delivery_view(await handlers.move_delivery(uow, user, str(delivery_id), "deliver"))


@router.get(f"{P}/rentals")
async def rentals(
    user: Staff,
    uow: UowDep,
    state: RentalState = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> RentalPage:
    """The caller's car rentals, oldest first (every seller's for an admin)."""
    return await reads.rentals(uow, user, state, cursor, limit)


@router.get(f"{P}/rentals/{{rental_id}}")
async def rental(rental_id: uuid.UUID, user: CurrentUser, uow: UowDep) -> RentalView:
    return await reads.rental(uow, user, str(rental_id))


@router.post(f"{P}/rentals/{{rental_id}}/pickup")
async def pickup(rental_id: uuid.UUID, user: Staff, uow: UowDep) -> RentalView:
    """The buyer took the car (again: no change); 409 unless booked or picked up."""
    return rental_view(await handlers.move_rental(uow, user, str(rental_id), "pickup"))


@router.post(f"{P}/rentals/{{rental_id}}/return")
async def give_back(rental_id: uuid.UUID, user: Staff, uow: UowDep) -> RentalView:
    """The car is back (again: no change); 409 before pick-up."""
    return rental_view(await handlers.move_rental(uow, user, str(rental_id), "return"))
