"""Ordering's copy of what is sold — prices, seats, shops, sellers — from catalog and identity
events. Each handler runs once per event (inbox) and may safely run twice."""

from __future__ import annotations

from stampede.catalog.contracts import (
    CarSet,
    ListingDeleted,
    ListingPublished,
    ListingUpdated,
    SeatsSet,
    UnitsSet,
)
from stampede.identity.contracts import CompanyApproved
from stampede.kernel.module import Subscription
from stampede.ordering.store import OrderingUoW


async def listing_published(event: ListingPublished, uow: OrderingUoW) -> None:
    await uow.copies.put_listing(
        event.listing_id,
        kind=event.kind,
        company_id=event.company_id,
        title=event.title,
        price=event.price if event.deal_price is None else event.deal_price,
        deleted=False,
    )


async def listing_updated(event: ListingUpdated, uow: OrderingUoW) -> None:
    await uow.copies.put_listing(
        event.listing_id,
        kind=event.kind,
        title=event.title,
        price=event.price if event.deal_price is None else event.deal_price,
    )


async def listing_deleted(event: ListingDeleted, uow: OrderingUoW) -> None:
    await uow.copies.put_listing(event.listing_id, kind=event.kind, deleted=True)


async def seats_set(event: SeatsSet, uow: OrderingUoW) -> None:
    rows = [{"seat_id": s.seat_id, "label": s.label, "price": s.price} for s in event.seats]
    await uow.copies.replace_session(event.listing_id, event.session_id, event.starts_at, rows)


async def units_set(event: UnitsSet, uow: OrderingUoW) -> None:
    await uow.copies.put_shop_price(event.listing_id, event.shop_id, event.price)


async def car_set(event: CarSet, uow: OrderingUoW) -> None:
    await uow.copies.put_listing(event.listing_id, kind="car", daily_rate=event.daily_rate)


async def company_approved(event: CompanyApproved, uow: OrderingUoW) -> None:
    await uow.copies.put_company(event.company_id, event.owner_id)


FACTS = (
    Subscription(ListingPublished, listing_published),
    Subscription(ListingUpdated, listing_updated),
    Subscription(ListingDeleted, listing_deleted),
    Subscription(SeatsSet, seats_set),
    Subscription(UnitsSet, units_set),
    Subscription(CarSet, car_set),
    Subscription(CompanyApproved, company_approved),
)
