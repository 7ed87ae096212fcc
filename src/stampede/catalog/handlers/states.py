"""Publishing, unpublishing and deleting listings (owner or admin; 404 for anyone else).

Deals and performances: publishing a draft schedules it (or opens it, inside its window; 409
``window-passed`` after it); unpublishing takes a scheduled one back to draft (409 once the sale
has opened). Devices and cars: published ⇄ unpublished. Asking for the state a listing is in
already changes nothing and emits nothing. Deleting is soft and final.
"""

from __future__ import annotations

from datetime import datetime

from stampede.catalog.domain.listings import WINDOWED, Kind, Status, window_status
from stampede.catalog.handlers import access, facts
from stampede.catalog.store import CatalogUoW, Listing, set_status
from stampede.kernel.auth import Principal
from stampede.kernel.errors import Conflict


async def publish_listing(uow: CatalogUoW, actor: Principal, listing_id: str) -> str:
    """Make the listing visible: ListingPublished, SaleOpened when inside its window, and the
    inventory facts."""
    async with uow:
        listing = await _changeable(uow, actor, listing_id)
        target = _published_status(listing, uow.runtime.now())
        if target is not None:
            set_status(listing, target, uow.runtime.now())
            await uow.listings.save()
            facts.published(uow, listing)
            await facts.inventory(uow, listing)
            await uow.commit()
    return listing_id


def _published_status(listing: Listing, now: datetime) -> Status | None:
    if listing.status in (Status.SCHEDULED, Status.OPEN, Status.PUBLISHED):
        return None
    if listing.status == Status.CLOSED:
        raise Conflict("a closed sale cannot be published again", slug="window-passed")
    if Kind(listing.kind) not in WINDOWED:
        return Status.PUBLISHED
    assert listing.opens_at is not None and listing.closes_at is not None
    status = window_status(listing.opens_at, listing.closes_at, now)
    if status == Status.CLOSED:
        raise Conflict("the sale window has passed", slug="window-passed")
    return status


async def unpublish_listing(uow: CatalogUoW, actor: Principal, listing_id: str) -> str:
    """Hide the listing from buyers (ListingUpdated; a car also CarSet, no longer rentable)."""
    async with uow:
        listing = await _changeable(uow, actor, listing_id)
        target = _unpublished_status(listing)
        if target is not None:
            set_status(listing, target, uow.runtime.now())
            await uow.listings.save()
            facts.updated(uow, listing)
            if listing.kind == Kind.CAR:
                facts.car(uow, listing)
            await uow.commit()
    return listing_id


def _unpublished_status(listing: Listing) -> Status | None:
    if listing.status in (Status.DRAFT, Status.UNPUBLISHED):
        return None
    if listing.status in (Status.OPEN, Status.CLOSED):
        raise Conflict("the sale has opened; delete the listing instead", slug="sale-started")
    return Status.DRAFT if listing.status == Status.SCHEDULED else Status.UNPUBLISHED


async def delete_listing(uow: CatalogUoW, actor: Principal, listing_id: str) -> None:
    """Soft delete: the listing is gone for everyone but admins (ListingDeleted; a car also
    CarSet, no longer rentable). Deleting a deleted listing (admins) changes nothing."""
    async with uow:
        listing = await access.managed_listing(uow, actor, listing_id)
        if listing.status == Status.DELETED:
            return
        set_status(listing, Status.DELETED, uow.runtime.now())
        await uow.listings.save()
        facts.deleted(uow, listing)
        if listing.kind == Kind.CAR:
            facts.car(uow, listing)
        await uow.commit()


async def _changeable(uow: CatalogUoW, actor: Principal, listing_id: str) -> Listing:
    listing = await access.managed_listing(uow, actor, listing_id)
    if listing.status == Status.DELETED:
        raise Conflict("a deleted listing cannot change", slug="listing-deleted")
    return listing
