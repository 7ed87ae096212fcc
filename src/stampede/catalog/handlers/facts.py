"""The events a listing change emits, built from the rows as they are after the change.

All are emitted with ``uow.emit`` in the transaction of the change (subject: the listing id).
Inventory facts (``StockSet``, ``SeatsSet`` per session, ``UnitsSet`` per shop, ``CarSet``)
carry the whole current truth, so a consumer may replace what it holds.
"""

from __future__ import annotations

from stampede.catalog.contracts import (
    CarSet,
    ListingDeleted,
    ListingPublished,
    ListingUpdated,
    SaleOpened,
    Seat,
    SeatsSet,
    StockSet,
    Unit,
    UnitsSet,
)
from stampede.catalog.domain.listings import Status
from stampede.catalog.store import CatalogUoW, Listing

MAINTENANCE = "maintenance"


def published(uow: CatalogUoW, listing: Listing) -> None:
    """ListingPublished, plus SaleOpened when the listing starts inside its window."""
    uow.emit(
        ListingPublished(
            listing_id=listing.id,
            kind=listing.kind,
            company_id=listing.company_id,
            title=listing.title,
            category=listing.category,
            search_text=listing.search_text,
            price=listing.price,
            deal_price=listing.deal_price,
            opens_at=listing.opens_at,
            closes_at=listing.closes_at,
        ),
        subject=listing.id,
    )
    opened_if_open(uow, listing)


def opened_if_open(uow: CatalogUoW, listing: Listing) -> None:
    if listing.status == Status.OPEN and listing.opens_at and listing.closes_at:
        event = SaleOpened(
            listing_id=listing.id,
            kind=listing.kind,
            opens_at=listing.opens_at,
            closes_at=listing.closes_at,
        )
        uow.emit(event, subject=listing.id)


def updated(uow: CatalogUoW, listing: Listing) -> None:
    uow.emit(
        ListingUpdated(
            listing_id=listing.id,
            kind=listing.kind,
            status=listing.status,
            title=listing.title,
            category=listing.category,
            search_text=listing.search_text,
            price=listing.price,
            deal_price=listing.deal_price,
            opens_at=listing.opens_at,
            closes_at=listing.closes_at,
        ),
        subject=listing.id,
    )


def deleted(uow: CatalogUoW, listing: Listing) -> None:
    uow.emit(ListingDeleted(listing_id=listing.id, kind=listing.kind), subject=listing.id)


async def inventory(uow: CatalogUoW, listing: Listing, *, old_shop: str | None = None) -> None:
    """The kind's inventory facts; ``old_shop`` (a device moved away from it) hears it has
    no units of this listing any more."""
    if listing.kind == "deal":
        _stock(uow, listing)
    elif listing.kind == "performance":
        await _seats(uow, listing)
    elif listing.kind == "device":
        await _units(uow, listing, old_shop)
    else:
        car(uow, listing)


def _stock(uow: CatalogUoW, listing: Listing) -> None:
    assert listing.opens_at is not None and listing.closes_at is not None
    details = listing.details
    event = StockSet(
        listing_id=listing.id,
        stock=int(details["stock"]),
        per_user_limit=int(details["per_user_limit"]),
        waiting_room=bool(details["waiting_room"]),
        opens_at=listing.opens_at,
        closes_at=listing.closes_at,
    )
    uow.emit(event, subject=listing.id)


async def _seats(uow: CatalogUoW, listing: Listing) -> None:
    assert listing.opens_at is not None and listing.closes_at is not None
    sessions = await uow.listings.sessions(listing.id)
    by_session: dict[str, list[Seat]] = {s.id: [] for s in sessions}
    for s in await uow.listings.seats(by_session):
        by_session[s.session_id].append(
            Seat(seat_id=s.id, label=s.label, grade=s.grade, price=s.price)
        )
    for session in sessions:
        event = SeatsSet(
            listing_id=listing.id,
            session_id=session.id,
            starts_at=session.starts_at,
            per_user_limit=int(listing.details["per_user_limit"]),
            waiting_room=bool(listing.details["waiting_room"]),
            opens_at=listing.opens_at,
            closes_at=listing.closes_at,
            seats=by_session[session.id],
        )
        uow.emit(event, subject=listing.id)


async def _units(uow: CatalogUoW, listing: Listing, old_shop: str | None) -> None:
    shop_id = str(listing.details["shop_id"])
    units = [u for u in await uow.listings.units(listing.id) if u.status == "available"]
    found = [Unit(unit_id=u.id, serial=u.serial) for u in units]
    uow.emit(
        UnitsSet(listing_id=listing.id, shop_id=shop_id, price=listing.price, units=found),
        subject=listing.id,
    )
    if old_shop is not None and old_shop != shop_id:
        gone = UnitsSet(listing_id=listing.id, shop_id=old_shop, price=listing.price, units=[])
        uow.emit(gone, subject=listing.id)


def car(uow: CatalogUoW, listing: Listing) -> None:
    """CarSet: rentable while published and not in maintenance."""
    details = listing.details
    rentable = listing.status == Status.PUBLISHED and details.get("car_status") != MAINTENANCE
    event = CarSet(
        listing_id=listing.id,
        car_number=str(details["car_number"]),
        region=str(details["region"]),
        daily_rate=listing.price,
        rentable=rentable,
    )
    uow.emit(event, subject=listing.id)
