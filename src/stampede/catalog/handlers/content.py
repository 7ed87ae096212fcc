"""A listing's content as the input models describe it, written to and read back from rows.

:func:`read` rebuilds the input model a listing was made from, so an update is "merge the change
into what is stored, validate the whole as on create, write it", and an import can tell whether
a feed row differs from what is stored (:func:`same`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import TypeAdapter, ValidationError

from stampede.catalog.domain.listings import (
    CATEGORIES,
    CarIn,
    DealIn,
    DeviceIn,
    NewListing,
    PerformanceIn,
    searchable_text,
    seat_label,
)
from stampede.catalog.store import CatalogUoW, DeviceUnit, Listing, PerformanceSession
from stampede.kernel.errors import Conflict, Unprocessable
from stampede.kernel.sqltypes import new_id

Item = DealIn | PerformanceIn | DeviceIn | CarIn
NEW_LISTING: TypeAdapter[Item] = TypeAdapter(NewListing)
SOLD_OR_HELD = ("held", "sold")


def validated(data: Mapping[str, Any]) -> Item:
    """The listing ``data`` describes; 422 naming every invalid field otherwise."""
    try:
        return NEW_LISTING.validate_python(dict(data))
    except ValidationError as exc:
        raise Unprocessable("the listing is not valid", errors=field_errors(exc)) from exc


def field_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """Pydantic's errors in the shape the API answers 422s with (``loc`` under ``body``)."""
    return [
        {"loc": ["body", *e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]


def same(a: Item, b: Item) -> bool:
    """Whether two inputs describe the same content (units compared as a set)."""
    return _canonical(a) == _canonical(b)


def _canonical(item: Item) -> dict[str, Any]:
    data = item.model_dump()
    if isinstance(item, DeviceIn):
        data["units"] = sorted(unit.serial for unit in item.units)
    return data


def search_text(item: Item) -> str:
    """Title, description, category (code and both labels) and the kind's telling fields."""
    ko, en = CATEGORIES[item.category]
    extra: list[str] = []
    if isinstance(item, PerformanceIn):
        extra = [item.genre, item.venue]
    elif isinstance(item, CarIn):
        extra = [item.car_number, item.region]
    return searchable_text(item.title, item.description, item.category, ko, en, *extra)


async def write(uow: CatalogUoW, listing: Listing, item: Item, previous: Item | None) -> None:
    """Put ``item`` into ``listing`` (inserting it when ``previous`` is None) and replace the
    sessions or units that changed. 409 when a unit to drop is held or sold, or a serial
    number belongs to another listing."""
    _columns(listing, item)
    if previous is None:
        await uow.listings.add(listing)
    else:
        await uow.listings.save()
    if isinstance(item, PerformanceIn):
        if not isinstance(previous, PerformanceIn) or previous.sessions != item.sessions:
            await _write_sessions(uow, listing.id, item, new=previous is None)
    elif isinstance(item, DeviceIn):
        await _write_units(uow, listing.id, item, new=previous is None)


def _columns(listing: Listing, item: Item) -> None:
    listing.kind, listing.title, listing.category = item.kind, item.title, item.category
    listing.description, listing.external_id = item.description, item.external_id
    listing.search_text = search_text(item)
    listing.deal_price, listing.opens_at, listing.closes_at = None, None, None
    listing.images = [str(url) for url in getattr(item, "images", [])]
    if isinstance(item, DealIn | PerformanceIn):
        listing.opens_at, listing.closes_at = item.opens_at, item.closes_at
    kept = dict(listing.details or {})
    listing.price, listing.details = _kind_columns(item, kept)
    if isinstance(item, DealIn):
        listing.deal_price = item.deal_price


def _kind_columns(item: Item, kept: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The listing's ``price`` and ``details`` for its kind."""
    if isinstance(item, DealIn):
        rules = {"per_user_limit": item.per_user_limit, "waiting_room": item.waiting_room}
        return item.list_price, {"stock": item.stock, **rules}
    if isinstance(item, PerformanceIn):
        poster = None if item.poster is None else str(item.poster)
        lowest = min(price for s in item.sessions for price in s.seat_map.prices.values())
        return lowest, {
            "genre": item.genre,
            "venue": item.venue,
            "poster": poster,
            "per_user_limit": item.per_user_limit,
            "waiting_room": item.waiting_room,
        }
    if isinstance(item, DeviceIn):
        return item.price, {"shop_id": item.shop_id}
    status = kept.get("car_status", "available")
    return item.daily_rate, {"car_number": item.car_number, "region": item.region} | {
        "car_status": status
    }


async def _write_sessions(
    uow: CatalogUoW, listing_id: str, item: PerformanceIn, *, new: bool
) -> None:
    sessions, seats = [], []
    for position, given in enumerate(item.sessions):
        session = PerformanceSession(
            id=new_id(),
            listing_id=listing_id,
            position=position,
            starts_at=given.starts_at,
            seat_map=given.seat_map.model_dump(mode="json"),
        )
        sessions.append(session)
        seats += _seats(session.id, given.seat_map.model_dump())
    await uow.listings.replace_sessions(listing_id, sessions, seats, drop_old=not new)


def _seats(session_id: str, seat_map: dict[str, Any]) -> list[dict[str, Any]]:
    prices = seat_map["prices"]
    rows: list[dict[str, Any]] = []
    for section in seat_map["sections"]:
        for row in section["rows"]:
            for seat in row["seats"]:
                rows.append(
                    {
                        "id": new_id(),
                        "session_id": session_id,
                        "label": seat_label(section["name"], row["name"], seat["number"]),
                        "section": section["name"],
                        "row": row["name"],
                        "number": seat["number"],
                        "grade": seat["grade"],
                        "price": prices[seat["grade"]],
                        "position": len(rows),
                    }
                )
    return rows


async def _write_units(uow: CatalogUoW, listing_id: str, item: DeviceIn, *, new: bool) -> None:
    """Add new serials, drop missing ones (409 if held or sold), keep all at the listing's shop."""
    existing = {} if new else {u.serial: u for u in await uow.listings.units(listing_id)}
    wanted = {unit.serial for unit in item.units}
    busy = sorted(s for s, u in existing.items() if s not in wanted and u.status in SOLD_OR_HELD)
    if busy:
        raise Conflict(f"units held or sold cannot be removed: {', '.join(busy)}", slug="unit-busy")
    taken = await uow.listings.serials_elsewhere(wanted - set(existing), listing_id)
    if taken:
        raise Conflict(f"serial numbers in use: {', '.join(taken)}", slug="serial-taken")
    if existing:
        await uow.listings.remove_units(u.id for s, u in existing.items() if s not in wanted)
        await uow.listings.move_units(listing_id, item.shop_id)
    added = [
        DeviceUnit(id=new_id(), listing_id=listing_id, shop_id=item.shop_id, serial=serial)
        for serial in sorted(wanted - set(existing))
    ]
    await uow.listings.add_units(added)


async def read(uow: CatalogUoW, listing: Listing) -> Item:
    """The input model ``listing`` holds now (sessions and units included)."""
    data: dict[str, Any] = {
        "kind": listing.kind,
        "title": listing.title,
        "description": listing.description,
        "category": listing.category,
        "external_id": listing.external_id,
    }
    details = dict(listing.details)
    if listing.kind in ("deal", "performance"):
        data |= {"opens_at": listing.opens_at, "closes_at": listing.closes_at}
    if listing.kind != "performance":
        data["images"] = list(listing.images)
    data |= await _kind_fields(uow, listing, details)
    return NEW_LISTING.validate_python(data)


async def _kind_fields(
    uow: CatalogUoW, listing: Listing, details: dict[str, Any]
) -> dict[str, Any]:
    if listing.kind == "deal":
        return details | {"list_price": listing.price, "deal_price": listing.deal_price}
    if listing.kind == "performance":
        sessions = await uow.listings.sessions(listing.id)
        given = [{"starts_at": s.starts_at, "seat_map": s.seat_map} for s in sessions]
        return details | {"sessions": given}
    if listing.kind == "device":
        units = await uow.listings.units(listing.id)
        return details | {"price": listing.price, "units": [{"serial": u.serial} for u in units]}
    details.pop("car_status", None)
    return details | {"daily_rate": listing.price}
