"""A listing's detail page: shared fields, the kind's own fields, the seller's profile and
the star rating (``views.ratings``).

Anyone may open a visible or closed listing; drafts and unpublished ones only the owner and
admins; deleted ones only admins. Everyone else gets 404, as for an id that does not exist.
Serial numbers of phones are shown to the owner and admins only; buyers see how many units
each shop has available.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from stampede.catalog.domain.listings import Kind, Status
from stampede.catalog.store import PUBLIC, CatalogUoW, Listing, SeatRow
from stampede.catalog.views.ratings import RatingView, rating_of
from stampede.kernel.auth import Principal
from stampede.kernel.errors import NotFound

ADMIN = "admin"


class CompanyProfile(BaseModel):
    id: str
    name: str
    contact_email: str
    contact_phone: str


class DealInfo(BaseModel):
    list_price: int
    deal_price: int
    discount_percent: int
    stock: int
    per_user_limit: int
    waiting_room: bool


class SeatView(BaseModel):
    id: str
    label: str
    number: int
    grade: str
    price: int


class RowView(BaseModel):
    name: str
    seats: list[SeatView]


class SectionView(BaseModel):
    name: str
    rows: list[RowView]


class SessionView(BaseModel):
    id: str
    starts_at: datetime
    prices: dict[str, int]
    seat_count: int
    sections: list[SectionView]


class PerformanceInfo(BaseModel):
    genre: str
    venue: str
    poster: str | None
    per_user_limit: int
    waiting_room: bool
    sessions: list[SessionView]


class ShopStock(BaseModel):
    shop_id: str
    name: str
    address: str
    region: str
    available: int


class UnitView(BaseModel):
    id: str
    serial: str
    status: str
    shop_id: str


class DeviceInfo(BaseModel):
    price: int
    available: int
    shops: list[ShopStock]
    units: list[UnitView] | None = None  # the owner's and admins' view only


class CarInfo(BaseModel):
    car_number: str
    model: str
    region: str
    daily_rate: int
    car_status: str


class ListingDetail(BaseModel):
    id: str
    kind: Kind
    status: Status
    title: str
    description: str
    category: str
    images: list[str]
    price: int
    deal_price: int | None
    opens_at: datetime | None
    closes_at: datetime | None
    external_id: str | None
    company: CompanyProfile | None
    version: int
    created_at: datetime
    updated_at: datetime
    rating: RatingView
    deal: DealInfo | None = None
    performance: PerformanceInfo | None = None
    device: DeviceInfo | None = None
    car: CarInfo | None = None


async def listing(uow: CatalogUoW, viewer: Principal | None, listing_id: str) -> ListingDetail:
    """The detail page as ``viewer`` may see it; 404 ``listing-not-found`` otherwise."""
    async with uow:
        found = await uow.listings.get(listing_id)
        manager = found is not None and await _manages(uow, viewer, found.company_id)
        if found is None or not _may_see(found, viewer, manager):
            raise NotFound("no such listing", slug="listing-not-found")
        return await _detail(uow, found, manager)


def _may_see(found: Listing, viewer: Principal | None, manager: bool) -> bool:
    if found.status == Status.DELETED:
        return viewer is not None and viewer.has(ADMIN)
    return found.status in PUBLIC or manager


async def _manages(uow: CatalogUoW, viewer: Principal | None, company_id: str | None) -> bool:
    if viewer is None:
        return False
    if viewer.has(ADMIN):
        return True
    owned = [c.id for c in await uow.companies.owned_by(viewer.user_id)]
    return company_id is not None and company_id in owned


async def _detail(uow: CatalogUoW, found: Listing, manager: bool) -> ListingDetail:
    company = await uow.companies.get(found.company_id) if found.company_id else None
    detail = ListingDetail(
        id=found.id,
        kind=Kind(found.kind),
        status=Status(found.status),
        title=found.title,
        description=found.description,
        category=found.category,
        images=list(found.images),
        price=found.price,
        deal_price=found.deal_price,
        opens_at=found.opens_at,
        closes_at=found.closes_at,
        external_id=found.external_id,
        company=None
        if company is None
        else CompanyProfile.model_validate(company, from_attributes=True),
        version=found.version,
        created_at=found.created_at,
        updated_at=found.updated_at,
        rating=rating_of(found),
    )
    return await _with_kind(uow, detail, found, manager)


async def _with_kind(
    uow: CatalogUoW, detail: ListingDetail, found: Listing, manager: bool
) -> ListingDetail:
    details: dict[str, Any] = dict(found.details)
    if found.kind == Kind.DEAL:
        detail.deal = _deal(found, details)
    elif found.kind == Kind.PERFORMANCE:
        sessions = await _sessions(uow, found.id)
        detail.performance = PerformanceInfo(**_pick(details, PerformanceInfo), sessions=sessions)
    elif found.kind == Kind.DEVICE:
        detail.device = await _device(uow, found, manager)
    else:
        detail.car = CarInfo(model=found.title, daily_rate=found.price, **_pick(details, CarInfo))
    return detail


def _pick(details: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    return {k: v for k, v in details.items() if k in model.model_fields}


def _deal(found: Listing, details: dict[str, Any]) -> DealInfo:
    deal_price = found.deal_price if found.deal_price is not None else found.price
    off = 0 if found.price == 0 else round(100 * (found.price - deal_price) / found.price)
    return DealInfo(
        list_price=found.price,
        deal_price=deal_price,
        discount_percent=off,
        **_pick(details, DealInfo),
    )


async def _sessions(uow: CatalogUoW, listing_id: str) -> list[SessionView]:
    sessions = await uow.listings.sessions(listing_id)
    seats = await uow.listings.seats(s.id for s in sessions)
    by_session: dict[str, list[SeatRow]] = {s.id: [] for s in sessions}
    for seat in seats:
        by_session[seat.session_id].append(seat)
    return [
        SessionView(
            id=s.id,
            starts_at=s.starts_at,
            prices=dict(s.seat_map["prices"]),
            seat_count=len(by_session[s.id]),
            sections=_sections(by_session[s.id]),
        )
        for s in sessions
    ]


def _sections(seats: Sequence[SeatRow]) -> list[SectionView]:
    """Seats (in map order) grouped back into sections and rows."""
    sections: list[SectionView] = []
    for seat in seats:
        if not sections or sections[-1].name != seat.section:
            sections.append(SectionView(name=seat.section, rows=[]))
        rows = sections[-1].rows
        if not rows or rows[-1].name != seat.row:
            rows.append(RowView(name=seat.row, seats=[]))
        rows[-1].seats.append(
            SeatView(
                id=seat.id, label=seat.label, number=seat.number, grade=seat.grade, price=seat.price
            )
        )
    return sections


async def _device(uow: CatalogUoW, found: Listing, manager: bool) -> DeviceInfo:
    counts = await uow.listings.available_by_shop(found.id)
    shop_ids = {str(found.details["shop_id"]), *counts}
    shops = await uow.shops.many(shop_ids)
    stock = [
        ShopStock(
            shop_id=s.id,
            name=s.name,
            address=s.address,
            region=s.region,
            available=counts.get(s.id, 0),
        )
        for s in shops.values()
    ]
    units = None
    if manager:
        units = [
            UnitView(id=u.id, serial=u.serial, status=u.status, shop_id=u.shop_id)
            for u in await uow.listings.units(found.id)
        ]
    return DeviceInfo(price=found.price, available=sum(counts.values()), shops=stock, units=units)
