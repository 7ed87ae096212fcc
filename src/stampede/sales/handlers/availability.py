"""What is left of a sale right now, for the pages that show it: a performance's taken seats,
a phone's free units per shop, a car's booked periods. Read from the live inventory (holds,
orders' included) and the durable record of what is for sale; a sale of another kind, or unknown
here, shows nothing."""

from __future__ import annotations

from typing import Any

from stampede.kernel.module import Runtime
from stampede.sales.domain.holds import Kind, day_date
from stampede.sales.handlers.engine import engine
from stampede.sales.handlers.holds import sale_kind
from stampede.sales.store import SalesUoW


async def availability(runtime: Runtime, listing_id: str) -> dict[str, Any]:
    kind = sale_kind(runtime, listing_id)
    if kind is Kind.SEATS:
        return {"seats_taken": await taken_seats(runtime, listing_id)}
    if kind is Kind.UNIT:
        return {"units_free": await free_units(runtime, listing_id)}
    if kind is Kind.DATES:
        return {"days_booked": await booked_days(runtime, listing_id)}
    return {}


async def taken_seats(runtime: Runtime, listing_id: str) -> list[str]:
    held = await engine(runtime).inventory.live_holds(listing_id)
    return sorted({seat for hold in held for seat in hold.seat_ids})


async def free_units(runtime: Runtime, listing_id: str) -> dict[str, int]:
    """How many units each shop has that no live hold (or order) has."""
    held = {h.unit_id for h in await engine(runtime).inventory.live_holds(listing_id)}
    async with SalesUoW(runtime) as uow:
        units = await uow.records.units_of(listing_id)
    free: dict[str, int] = {}
    for unit_id, shop_id in units.items():
        free[shop_id] = free.get(shop_id, 0) + (unit_id not in held)
    return free


async def booked_days(runtime: Runtime, listing_id: str) -> list[dict[str, str]]:
    """The car's booked periods in date order, touching ones joined: ``from`` is the first
    pick-up day, ``until`` the return day (free again for the next pick-up)."""
    held = sorted(
        (h.first_day, h.end_day) for h in await engine(runtime).inventory.live_holds(listing_id)
    )
    periods: list[list[int]] = []
    for first, end in held:
        if periods and first <= periods[-1][1]:
            periods[-1][1] = max(periods[-1][1], end)
        else:
            periods.append([first, end])
    return [{"from": str(day_date(a)), "until": str(day_date(b))} for a, b in periods]
