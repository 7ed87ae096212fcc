"""Creating, changing and importing listings.

Each use case opens its unit of work, checks who the caller is, writes, emits its events and
commits once; an error before the commit leaves nothing behind. The ``*_in`` functions work
inside a unit of work the caller opened and commits (the importer uses them per feed row).

A deal or performance created (or published) inside its sale window starts ``open`` and emits
``SaleOpened``; one whose window has already closed is refused (422). Once a sale has opened,
its window and stock (a performance's sessions) are fixed (409 ``sale-started``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from stampede.catalog.domain.listings import (
    DealIn,
    DeviceIn,
    Kind,
    PerformanceIn,
    Status,
    initial_status,
    window_status,
)
from stampede.catalog.handlers import access, facts
from stampede.catalog.handlers.content import Item, read, same, validated, write
from stampede.catalog.store import CAR_STATES, VISIBLE, CatalogUoW, Listing, touch
from stampede.kernel.auth import Principal
from stampede.kernel.errors import Conflict, Unprocessable
from stampede.kernel.sqltypes import new_id

LOCKED = (Status.OPEN, Status.CLOSED)
HORIZON = timedelta(days=730)


async def create_listing(
    uow: CatalogUoW, actor: Principal, item: Item, publish: bool = True
) -> str:
    """A new listing sold by the caller's company (none for an admin); its id.

    403 for customers, for a business without an approved company and for cars unless
    admin; 422 when a device's shop is not the caller's or the window has closed already."""
    async with uow:
        company_id = await access.selling_company(uow, actor, item.kind)
        if isinstance(item, DeviceIn):
            any_shop = access.is_admin(actor)
            shop = await access.device_shop(uow, item.shop_id, company_id, any_shop)
            company_id = shop.company_id
        listing_id = await create_in(uow, item, company_id, publish)
        await uow.commit()
    return listing_id


async def create_in(uow: CatalogUoW, item: Item, company_id: str | None, publish: bool) -> str:
    """:func:`create_listing` without the access checks, inside an open unit of work."""
    now = uow.runtime.now()
    _window_not_over(item, now)
    _within_horizon(item, now)
    listing = Listing(
        id=new_id(),
        company_id=company_id,
        status=_starting_status(item, publish, now),
        version=1,
        created_at=now,
        updated_at=now,
    )
    await write(uow, listing, item, None)
    if listing.status in VISIBLE:
        facts.published(uow, listing)
    await facts.inventory(uow, listing)
    return listing.id


def _starting_status(item: Item, publish: bool, now: datetime) -> Status:
    status = initial_status(Kind(item.kind), publish)
    if status == Status.SCHEDULED and isinstance(item, DealIn | PerformanceIn):
        return window_status(item.opens_at, item.closes_at, now)
    return status


def _window_not_over(item: Item, now: datetime) -> None:
    if isinstance(item, DealIn | PerformanceIn) and item.closes_at <= now:
        raise _field_error("closes_at", "the sale window has closed already")


def _within_horizon(item: Item, now: datetime) -> None:
    """422 for any time more than :data:`HORIZON` ahead (also keeps times storable)."""
    if not isinstance(item, DealIn | PerformanceIn):
        return
    times = [item.opens_at, item.closes_at]
    if isinstance(item, PerformanceIn):
        times += [session.starts_at for session in item.sessions]
    if any(at > now + HORIZON for at in times):
        raise _field_error("closes_at", "listings are planned at most two years ahead")


async def update_listing(
    uow: CatalogUoW, actor: Principal, listing_id: str, changes: Mapping[str, Any]
) -> str:
    """Apply a partial change, validated as a whole like a new listing (422), by the owner or
    an admin (404 for anyone else). ``kind`` cannot change; ``car_status`` is for cars."""
    async with uow:
        listing = await access.managed_listing(uow, actor, listing_id)
        if listing.status == Status.DELETED:
            raise Conflict("a deleted listing cannot change", slug="listing-deleted")
        previous = await read(uow, listing)
        item, car_status = _merged(previous, changes)
        if isinstance(item, DeviceIn):
            await access.device_shop(uow, item.shop_id, listing.company_id, any_shop=False)
        await update_in(uow, listing, previous, item, car_status)
        await uow.commit()
    return listing_id


def _merged(previous: Item, changes: Mapping[str, Any]) -> tuple[Item, str | None]:
    given = dict(changes)
    kind, car_status = given.pop("kind", None), given.pop("car_status", None)
    if kind is not None and kind != previous.kind:
        raise _field_error("kind", "the kind of a listing cannot change")
    if car_status is not None and (previous.kind != "car" or car_status not in CAR_STATES):
        raise _field_error("car_status", f"one of {', '.join(CAR_STATES)}, for cars only")
    return validated(previous.model_dump() | given), car_status


def _field_error(field: str, message: str) -> Unprocessable:
    error = {"loc": ["body", field], "msg": message, "type": "value_error"}
    return Unprocessable(message, errors=[error])


async def update_in(
    uow: CatalogUoW, listing: Listing, previous: Item, item: Item, car_status: str | None = None
) -> bool:
    """Write ``item`` over ``previous`` if it differs; whether anything changed.

    Emits ListingUpdated and the inventory facts (SaleOpened too when a new window puts the
    listing inside it). 409 ``sale-started`` for a new window or stock after the sale opened."""
    now = uow.runtime.now()
    recoloured = car_status is not None and car_status != listing.details.get("car_status")
    if same(previous, item) and not recoloured:
        return False
    _check_not_locked(listing, previous, item)
    _within_horizon(item, now)
    moved = _window(previous) != _window(item)
    if moved:
        _window_not_over(item, now)
    old_shop = listing.details.get("shop_id")
    await write(uow, listing, item, previous)
    if recoloured:
        listing.details = {**listing.details, "car_status": car_status}
    opened = moved and _follow_window(listing, now)
    touch(listing, now)
    await uow.listings.save()
    facts.updated(uow, listing)
    if opened:
        facts.opened_if_open(uow, listing)
    await facts.inventory(uow, listing, old_shop=old_shop)
    return True


def _window(item: Item) -> tuple[datetime, datetime] | None:
    if isinstance(item, DealIn | PerformanceIn):
        return item.opens_at, item.closes_at
    return None


def _stock(item: Item) -> object:
    if isinstance(item, DealIn):
        return item.stock
    if isinstance(item, PerformanceIn):
        return item.sessions
    return None


def _check_not_locked(listing: Listing, previous: Item, item: Item) -> None:
    if listing.status not in LOCKED:
        return
    if _window(previous) != _window(item) or _stock(previous) != _stock(item):
        raise Conflict("the sale has opened: its window and stock are fixed", slug="sale-started")


def _follow_window(listing: Listing, now: datetime) -> bool:
    """A scheduled listing whose new window has begun opens; whether it did."""
    if listing.status != Status.SCHEDULED or listing.opens_at is None:
        return False
    assert listing.closes_at is not None
    listing.status = window_status(listing.opens_at, listing.closes_at, now)
    return listing.status == Status.OPEN


async def upsert_imported(
    uow: CatalogUoW, item: Item, company_id: str | None, publish: bool = True
) -> tuple[str, bool]:
    """Insert the feed row, or update the listing with its ``external_id`` when the stored
    content differs; ``(listing_id, changed)``. Runs inside the caller's unit of work (which
    commits). ``publish`` applies to new listings only; a deleted listing stays deleted
    (unchanged). 422 for a row without an external id, an unknown company or shop, a window
    that has closed; 409 when the external id is another company's listing."""
    if item.external_id is None:
        raise _field_error("external_id", "an imported listing needs an external_id")
    owner = await _importing_company(uow, item, company_id)
    listing = await uow.listings.by_external_id(item.external_id, for_update=True)
    if listing is None:
        return await create_in(uow, item, owner, publish), True
    if listing.company_id != owner:
        raise Conflict("this external_id is another company's listing", slug="external-id-taken")
    if listing.status == Status.DELETED:
        return listing.id, False
    previous = await read(uow, listing)
    return listing.id, await update_in(uow, listing, previous, item)


async def _importing_company(uow: CatalogUoW, item: Item, company_id: str | None) -> str | None:
    await access.known_company(uow, company_id)
    if isinstance(item, DeviceIn):
        shop = await access.device_shop(uow, item.shop_id, company_id, company_id is None)
        return shop.company_id
    return company_id
