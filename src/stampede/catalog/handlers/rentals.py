"""A car's status follows its orders: reserved when ordered (and while paid, until pick-up),
rented when picked up, available again when returned or cancelled. An admin's
``maintenance`` is left alone. Runs once per ordering event (inbox)."""

from __future__ import annotations

from stampede.catalog.store import CatalogUoW
from stampede.catalog.store.listings import touch
from stampede.catalog.store.rentals import CarOrders
from stampede.kernel.module import Subscription
from stampede.ordering.contracts import OrderPlaced, OrderStatusChanged

MAINTENANCE = "maintenance"


async def _follow(uow: CatalogUoW, order_id: str, listing_id: str, status: str, seq: int) -> None:
    orders = CarOrders(uow.session)
    await orders.put(order_id, listing_id, status, seq)
    listing = await uow.listings.get(listing_id, for_update=True)
    if listing is None or listing.details.get("car_status") == MAINTENANCE:
        return
    status_now = await orders.car_status(listing_id)
    if listing.details.get("car_status") != status_now:
        listing.details = {**listing.details, "car_status": status_now}
        touch(listing, uow.runtime.now())
        await uow.listings.save()


async def car_ordered(event: OrderPlaced, uow: CatalogUoW) -> None:
    if event.listing_kind == "car":
        await _follow(uow, event.order_id, event.listing_id, "PENDING_PAYMENT", 0)


async def car_order_changed(event: OrderStatusChanged, uow: CatalogUoW) -> None:
    if event.listing_kind == "car":
        await _follow(uow, event.order_id, event.listing_id, event.status, event.seq)


SUBSCRIPTIONS = (
    Subscription(OrderPlaced, car_ordered),
    Subscription(OrderStatusChanged, car_order_changed),
)
