"""SQL over the durable record: sales (the copy of what is sold), holds and their claims."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from stampede.kernel.db import Repository
from stampede.sales.domain.holds import Hold, Kind, Rules, Snapshot
from stampede.sales.store.tables import (
    companies,
    holds,
    owners,
    sale_seats,
    sale_units,
    sales,
)


def to_ms(moment: datetime | None) -> int:
    return 0 if moment is None else int(moment.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


@dataclass(frozen=True)
class Sale:
    """One row of ``sales`` as the handlers use it."""

    rules: Rules
    stock: int
    taken: int
    rentable: bool
    admission_rate: float | None


@dataclass(frozen=True)
class Recorded:
    """A hold as the record has it: its state (live, released, expired), when it was made,
    and the order that took it (None while it is the buyer's alone)."""

    hold: Hold
    state: str
    created_at: datetime
    order_id: str | None = None


def _sale(row: Any, admission_ttl_ms: int) -> Sale:
    rules = Rules(
        row.listing_id,
        Kind(row.kind),
        row.per_user_limit,
        row.waiting_room,
        to_ms(row.opens_at),
        to_ms(row.closes_at),
        admission_ttl_ms,
    )
    return Sale(rules, row.stock, row.taken, row.rentable, row.admission_rate)


def _hold(row: Any) -> Hold:
    return Hold(
        hold_id=row.hold_id,
        listing_id=row.listing_id,
        user_id=row.user_id,
        kind=Kind(row.kind),
        expires_ms=to_ms(row.expires_at),
        quantity=row.quantity,
        seat_ids=tuple(row.seat_ids.split(",")) if row.seat_ids else (),
        unit_id=row.unit_id,
        first_day=row.first_day,
        end_day=row.end_day,
        ticket=row.ticket,
        idempotency_key=row.idempotency_key,
    )


class Records(Repository):
    """The sales repository; guards raise :class:`Refused` inside the caller's savepoint."""

    async def sale(self, listing_id: str, admission_ttl_ms: int) -> Sale | None:
        row = (
            await self.session.execute(sa.select(sales).where(sales.c.listing_id == listing_id))
        ).first()
        return None if row is None else _sale(row, admission_ttl_ms)

    async def sales(self, admission_ttl_ms: int) -> list[Sale]:
        rows = await self.session.execute(sa.select(sales))
        return [_sale(row, admission_ttl_ms) for row in rows]

    async def upsert_sale(self, rules: Rules, **values: object) -> None:
        fields = {
            "kind": rules.kind.value,
            "per_user_limit": rules.per_user_limit,
            "waiting_room": rules.waiting_room,
            "opens_at": from_ms(rules.opens_ms) if rules.opens_ms else None,
            "closes_at": from_ms(rules.closes_ms) if rules.closes_ms else None,
            **values,
        }
        await self._put(sales, {"listing_id": rules.listing_id}, fields)

    async def remember_listing(self, listing_id: str, company_id: str | None) -> None:
        await self._put(owners, {"listing_id": listing_id}, {"company_id": company_id})

    async def remember_company(self, company_id: str, owner_id: str) -> None:
        await self._put(companies, {"company_id": company_id}, {"owner_id": owner_id})

    async def owner_of(self, listing_id: str) -> str | None:
        """The user who owns the company selling ``listing_id``, when sales knows it."""
        query = (
            sa.select(companies.c.owner_id)
            .join(owners, owners.c.company_id == companies.c.company_id)
            .where(owners.c.listing_id == listing_id)
        )
        found: str | None = (await self.session.execute(query)).scalar()
        return found

    async def _put(self, table: sa.Table, key: dict[str, Any], values: dict[str, Any]) -> None:
        """Insert or update one row by its key, in one statement (two handlers racing on a new
        key — two sessions of one performance — meet on one row instead of one failing)."""
        upsert = self.insert(table).values(**key, **values)
        await self.session.execute(
            upsert.on_conflict_do_update(index_elements=list(key), set_=values)
        )

    async def set_admission_rate(self, listing_id: str, rate: float | None) -> None:
        await self.session.execute(
            sa.update(sales).where(sales.c.listing_id == listing_id).values(admission_rate=rate)
        )

    async def replace_seats(
        self, listing_id: str, session_id: str, seat_ids: Iterable[str]
    ) -> tuple[list[str], list[str]]:
        """Make the session's seats ``seat_ids``; returns (added, removed)."""
        where = (sale_seats.c.listing_id == listing_id) & (sale_seats.c.session_id == session_id)
        old = set(
            (await self.session.execute(sa.select(sale_seats.c.seat_id).where(where))).scalars()
        )
        new = set(seat_ids)
        added, removed = sorted(new - old), sorted(old - new)
        if removed:
            await self.session.execute(
                sa.delete(sale_seats).where(sale_seats.c.seat_id.in_(removed))
            )
        rows = [{"listing_id": listing_id, "session_id": session_id, "seat_id": s} for s in added]
        if rows:
            await self.session.execute(sa.insert(sale_seats), rows)
        return added, removed

    async def replace_units(self, listing_id: str, shop_id: str, unit_ids: Iterable[str]) -> None:
        where = (sale_units.c.listing_id == listing_id) & (sale_units.c.shop_id == shop_id)
        await self.session.execute(sa.delete(sale_units).where(where))
        rows = [{"listing_id": listing_id, "shop_id": shop_id, "unit_id": u} for u in unit_ids]
        if rows:
            await self.session.execute(sa.insert(sale_units), rows)

    async def units_of(self, listing_id: str) -> dict[str, str]:
        """The listing's sellable units, each with its shop."""
        units = await self.session.execute(
            sa.select(sale_units.c.unit_id, sale_units.c.shop_id).where(
                sale_units.c.listing_id == listing_id
            )
        )
        return {row.unit_id: row.shop_id for row in units}

    async def snapshot(self, sale: Sale) -> Snapshot:
        listing_id = sale.rules.listing_id
        seats = await self.session.execute(
            sa.select(sale_seats.c.seat_id).where(sale_seats.c.listing_id == listing_id)
        )
        tickets = await self.session.execute(
            sa.select(holds.c.ticket).where(
                (holds.c.listing_id == listing_id) & holds.c.ticket.is_not(None)
            )
        )
        return Snapshot(
            rules=sale.rules,
            stock=sale.stock,
            seat_ids=frozenset(seats.scalars()),
            units=await self.units_of(listing_id),
            rentable=sale.rentable,
            holds=tuple(await self.live(listing_id)),
            used_tickets=frozenset(t for t in tickets.scalars() if t),
        )

    async def live_ids(self, due_after: datetime) -> dict[str, set[str]]:
        """The ids of live holds that expire after ``due_after``, by sale."""
        query = sa.select(holds.c.listing_id, holds.c.hold_id).where(
            (holds.c.state == "live") & (holds.c.expires_at > due_after)
        )
        found: dict[str, set[str]] = {}
        for row in await self.session.execute(query):
            found.setdefault(row.listing_id, set()).add(row.hold_id)
        return found

    async def live(self, listing_id: str) -> list[Hold]:
        query = sa.select(holds).where(
            (holds.c.listing_id == listing_id) & (holds.c.state == "live")
        )
        return [_hold(row) for row in await self.session.execute(query)]

    async def get(self, hold_id: str) -> Recorded | None:
        row = (
            await self.session.execute(sa.select(holds).where(holds.c.hold_id == hold_id))
        ).first()
        if row is None:
            return None
        return Recorded(_hold(row), row.state, row.created_at, row.order_id)

    async def live_among(self, hold_ids: Iterable[str]) -> set[str]:
        """Which of ``hold_ids`` the record has live."""
        query = sa.select(holds.c.hold_id).where(
            holds.c.hold_id.in_(list(hold_ids)) & (holds.c.state == "live")
        )
        return set((await self.session.execute(query)).scalars())

    async def shop_of(self, unit_id: str) -> str | None:
        """The shop a unit is sold at, while sales knows the unit."""
        query = sa.select(sale_units.c.shop_id).where(sale_units.c.unit_id == unit_id)
        found: str | None = (await self.session.execute(query)).scalar()
        return found

    async def overdue(self, before: datetime, limit: int) -> list[Hold]:
        query = (
            sa.select(holds)
            .where((holds.c.state == "live") & (holds.c.expires_at <= before))
            .order_by(holds.c.expires_at)
            .limit(limit)
        )
        return [_hold(row) for row in await self.session.execute(query)]
