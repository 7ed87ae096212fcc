"""Sales keeps its own copy of what is for sale, from the catalog's inventory facts.

Each fact is the whole truth for its listing (or session / shop), so a handler replaces what
the durable record holds, then brings the inventory into line and the rules cache up to date.
Handlers run once per event (inbox); if the inventory cannot be reached the transaction rolls
back and the event is delivered again — every step here may safely run twice.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from stampede.catalog.contracts import (
    CarSet,
    ListingDeleted,
    ListingPublished,
    SeatsSet,
    StockSet,
    UnitsSet,
)
from stampede.identity.contracts import CompanyApproved
from stampede.kernel.module import Subscription
from stampede.sales.domain.holds import Kind, Rules
from stampede.sales.handlers.engine import engine
from stampede.sales.store import Sale, SalesUoW, to_ms

UNITS_PER_USER = 2  # phones of one model a buyer may hold at once (the catalog sets no limit)
RENTALS_PER_USER = 2  # live rental holds of one car per buyer, so nobody blocks a car for months


def _rules(uow: SalesUoW, listing_id: str, kind: Kind, **values: object) -> Rules:
    ttl_ms = uow.runtime.settings.admission_ttl_s * 1000
    return Rules(listing_id, kind, admission_ttl_ms=ttl_ms, **values)  # type: ignore[arg-type]


def _window(opens_at: datetime, closes_at: datetime) -> dict[str, int]:
    return {"opens_ms": to_ms(opens_at), "closes_ms": to_ms(closes_at)}


async def _configure(uow: SalesUoW, rules: Rules, **values: object) -> Sale:
    """Record the rules (and ``values``) and tell the inventory; returns the sale as recorded."""
    await uow.records.upsert_sale(rules, **values)
    await engine(uow.runtime).inventory.configure(rules)
    sale = await uow.records.sale(rules.listing_id, rules.admission_ttl_ms)
    assert sale is not None
    engine(uow.runtime).sales[rules.listing_id] = sale
    return sale


async def stock_set(event: StockSet, uow: SalesUoW) -> None:
    window = _window(event.opens_at, event.closes_at)
    rules = _rules(
        uow,
        event.listing_id,
        Kind.STOCK,
        per_user_limit=event.per_user_limit,
        waiting_room=event.waiting_room,
        **window,
    )
    await _configure(uow, rules, stock=event.stock)
    await engine(uow.runtime).inventory.set_stock(event.listing_id, event.stock)


async def seats_set(event: SeatsSet, uow: SalesUoW) -> None:
    window = _window(event.opens_at, event.closes_at)
    rules = _rules(
        uow,
        event.listing_id,
        Kind.SEATS,
        per_user_limit=event.per_user_limit,
        waiting_room=event.waiting_room,
        **window,
    )
    await _configure(uow, rules)
    seat_ids = [seat.seat_id for seat in event.seats]
    added, removed = await uow.records.replace_seats(event.listing_id, event.session_id, seat_ids)
    await engine(uow.runtime).inventory.set_seats(event.listing_id, added, removed)


async def units_set(event: UnitsSet, uow: SalesUoW) -> None:
    await _configure(uow, _rules(uow, event.listing_id, Kind.UNIT, per_user_limit=UNITS_PER_USER))
    unit_ids = [unit.unit_id for unit in event.units]
    await uow.records.replace_units(event.listing_id, event.shop_id, unit_ids)
    await engine(uow.runtime).inventory.set_units(event.listing_id, event.shop_id, unit_ids)


async def car_set(event: CarSet, uow: SalesUoW) -> None:
    rules = _rules(uow, event.listing_id, Kind.DATES, per_user_limit=RENTALS_PER_USER)
    await _configure(uow, rules, rentable=event.rentable)
    await engine(uow.runtime).inventory.set_rentable(event.listing_id, event.rentable)


async def listing_deleted(event: ListingDeleted, uow: SalesUoW) -> None:
    """Nothing more is sold from a deleted listing; live holds run out as they would."""
    sale = await uow.records.sale(event.listing_id, uow.runtime.settings.admission_ttl_s * 1000)
    if sale is None:
        return
    await _configure(uow, replace(sale.rules, closes_ms=max(1, to_ms(uow.runtime.now()))))


async def listing_published(event: ListingPublished, uow: SalesUoW) -> None:
    """Which company sells a listing, so its owner may tune the sale's waiting room."""
    await uow.records.remember_listing(event.listing_id, event.company_id)


async def company_approved(event: CompanyApproved, uow: SalesUoW) -> None:
    await uow.records.remember_company(event.company_id, event.owner_id)


SUBSCRIPTIONS: tuple[Subscription, ...] = (
    Subscription(StockSet, stock_set),
    Subscription(SeatsSet, seats_set),
    Subscription(UnitsSet, units_set),
    Subscription(CarSet, car_set),
    Subscription(ListingDeleted, listing_deleted),
    Subscription(ListingPublished, listing_published),
    Subscription(CompanyApproved, company_approved),
)
