"""Repositories over the catalog's tables: listings with their inventory, shops, companies.

Rows about to change are read ``FOR UPDATE`` where asked (a no-op on SQLite, where write
transactions are serialised anyway). Unique violations that a caller can cause (an external id,
a serial number) become 409 problems; the handlers check first, the constraint decides races.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from stampede.catalog.store.listings import (
    Company,
    DeviceUnit,
    Listing,
    PerformanceSession,
    SeatRow,
    Shop,
)
from stampede.kernel.db import Repository
from stampede.kernel.errors import Conflict

EXTERNAL_ID_TAKEN = Conflict("another listing has this external_id", slug="external-id-taken")
SERIAL_TAKEN = Conflict("a serial number belongs to another unit", slug="serial-taken")


class Listings(Repository):
    async def get(self, listing_id: str, *, for_update: bool = False) -> Listing | None:
        query = select(Listing).where(Listing.id == listing_id)
        return await self.session.scalar(query.with_for_update() if for_update else query)

    async def by_external_id(self, external_id: str, *, for_update: bool = False) -> Listing | None:
        query = select(Listing).where(Listing.external_id == external_id)
        return await self.session.scalar(query.with_for_update() if for_update else query)

    async def add(self, listing: Listing) -> None:
        """Insert; 409 ``external-id-taken`` when another listing has its external id."""
        self.session.add(listing)
        await self.flush_or_conflict({"external_id": EXTERNAL_ID_TAKEN})

    async def save(self) -> None:
        await self.flush_or_conflict({"external_id": EXTERNAL_ID_TAKEN})

    async def sessions(self, listing_id: str) -> Sequence[PerformanceSession]:
        query = select(PerformanceSession).where(PerformanceSession.listing_id == listing_id)
        return (await self.session.scalars(query.order_by(PerformanceSession.position))).all()

    async def seats(self, session_ids: Iterable[str]) -> Sequence[SeatRow]:
        query = select(SeatRow).where(SeatRow.session_id.in_(list(session_ids)))
        return (await self.session.scalars(query.order_by(SeatRow.position))).all()

    async def replace_sessions(
        self,
        listing_id: str,
        sessions: Sequence[PerformanceSession],
        seats: list[dict[str, Any]],
        *,
        drop_old: bool = True,
    ) -> None:
        """Drop the listing's sessions and seats (unless it is new) and store these instead
        (seats in one bulk insert)."""
        if drop_old:
            old = select(PerformanceSession.id).where(PerformanceSession.listing_id == listing_id)
            await self.session.execute(delete(SeatRow).where(SeatRow.session_id.in_(old)))
            await self.session.execute(
                delete(PerformanceSession).where(PerformanceSession.listing_id == listing_id)
            )
        self.session.add_all(sessions)
        await self.session.flush()
        if seats:
            await self.session.execute(insert(SeatRow), seats)

    async def units(self, listing_id: str) -> Sequence[DeviceUnit]:
        query = select(DeviceUnit).where(DeviceUnit.listing_id == listing_id)
        return (await self.session.scalars(query.order_by(DeviceUnit.serial))).all()

    async def serials_elsewhere(self, serials: Iterable[str], listing_id: str | None) -> list[str]:
        """Which of ``serials`` already belong to a unit of another listing."""
        serials = list(serials)
        if not serials:
            return []
        query = select(DeviceUnit.serial).where(DeviceUnit.serial.in_(serials))
        if listing_id is not None:
            query = query.where(DeviceUnit.listing_id != listing_id)
        return sorted((await self.session.scalars(query)).all())

    async def add_units(self, units: Sequence[DeviceUnit]) -> None:
        """Insert; 409 ``serial-taken`` when a serial number is in use already."""
        if not units:
            return
        self.session.add_all(units)
        await self.flush_or_conflict({"serial": SERIAL_TAKEN})

    async def remove_units(self, unit_ids: Iterable[str]) -> None:
        await self.session.execute(delete(DeviceUnit).where(DeviceUnit.id.in_(list(unit_ids))))

    async def move_units(self, listing_id: str, shop_id: str) -> None:
        await self.session.execute(
            update(DeviceUnit).where(DeviceUnit.listing_id == listing_id).values(shop_id=shop_id)
        )

    async def available_by_shop(self, listing_id: str) -> dict[str, int]:
        """How many units of the listing each shop can sell now."""
        rows = await self.session.execute(
            select(DeviceUnit.shop_id, func.count())
            .where(DeviceUnit.listing_id == listing_id, DeviceUnit.status == "available")
            .group_by(DeviceUnit.shop_id)
        )
        return {shop_id: int(count) for shop_id, count in rows}


class Shops(Repository):
    async def add(self, shop: Shop) -> None:
        self.session.add(shop)
        await self.session.flush()

    async def get(self, shop_id: str, *, for_update: bool = False) -> Shop | None:
        query = select(Shop).where(Shop.id == shop_id)
        return await self.session.scalar(query.with_for_update() if for_update else query)

    async def many(self, shop_ids: Iterable[str]) -> dict[str, Shop]:
        rows = await self.session.scalars(select(Shop).where(Shop.id.in_(list(shop_ids))))
        return {shop.id: shop for shop in rows}

    async def listed(self, company_id: str | None, limit: int, offset: int) -> Sequence[Shop]:
        """Oldest first, optionally one company's."""
        query = select(Shop).order_by(Shop.created_at, Shop.id)
        if company_id is not None:
            query = query.where(Shop.company_id == company_id)
        return (await self.session.scalars(query.limit(limit).offset(offset))).all()


class Companies(Repository):
    async def get(self, company_id: str) -> Company | None:
        return await self.session.scalar(select(Company).where(Company.id == company_id))

    async def owned_by(self, owner_id: str) -> Sequence[Company]:
        """The owner's approved companies, the first approved first."""
        query = select(Company).where(Company.owner_id == owner_id)
        return (await self.session.scalars(query.order_by(Company.approved_at, Company.id))).all()

    async def put(self, company: Company) -> None:
        """Insert or overwrite the copy with the same id."""
        await self.session.merge(company)
        await self.session.flush()
