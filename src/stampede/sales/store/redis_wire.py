"""How values travel between :class:`~stampede.sales.store.redis.RedisInventory` and its Lua
scripts: script arguments, stored hold records (JSON arrays whose numbers are strings, so Lua
keeps them exact) and replies."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from stampede.sales.domain.holds import Hold, HoldRequest, HoldResult, Kind, Rules
from stampede.sales.domain.holds import Verdict as V
from stampede.sales.domain.inventory import Place

REJECTED = {verdict.value: HoldResult(verdict) for verdict in V}


def optional(value: str | None) -> str:
    """An optional script argument: "" for None, else the value behind a "=" (lib.lua opt)."""
    return "" if value is None else "=" + value


def rules_args(rules: Rules) -> list[str | int]:
    return [
        rules.kind.value,
        rules.per_user_limit,
        int(rules.waiting_room),
        rules.opens_ms,
        rules.closes_ms,
        rules.admission_ttl_ms,
    ]


def record_of(hold: Hold) -> list[Any]:
    """A hold as the scripts store it (JSON array; numbers as strings, so Lua keeps them exact)."""
    return [
        hold.hold_id,
        hold.user_id,
        hold.kind.value,
        str(hold.expires_ms),
        str(hold.quantity),
        list(hold.seat_ids),
        hold.unit_id,
        str(hold.first_day),
        str(hold.end_day),
        hold.ticket,
        hold.idempotency_key,
    ]


def hold_from(raw: str, listing_id: str) -> Hold:
    hold_id, user, kind, expires, quantity, seats, unit, first, end, ticket, key = json.loads(raw)
    return Hold(
        hold_id,
        listing_id,
        user,
        Kind(kind),
        int(expires),
        int(quantity),
        tuple(seats) if seats else (),  # Lua's cjson writes an empty seat list as {}
        unit,
        int(first),
        int(end),
        ticket,
        key,
    )


def hold_args(request: HoldRequest) -> list[str]:
    """A hold request as the hold script reads it: strings only (numbers stay exact)."""
    hold = request.hold
    return [
        hold.hold_id,
        hold.user_id,
        hold.kind.value,
        str(hold.expires_ms),
        str(request.now_ms),
        optional(hold.ticket),
        optional(hold.idempotency_key),
        str(hold.quantity),
        optional(hold.unit_id),
        optional(request.shop_id),
        str(hold.first_day),
        str(hold.end_day),
        str(len(hold.seat_ids)),
        *hold.seat_ids,
    ]


def result_of(hold: Hold, reply: Any) -> HoldResult:
    if reply == "granted":
        return HoldResult(V.GRANTED, hold)
    if isinstance(reply, str):
        return REJECTED[reply]
    verdict, payload = reply
    if verdict == "granted":  # "any unit": the script chose it
        return HoldResult(V.GRANTED, replace(hold, unit_id=payload))
    return HoldResult(V.REPLAYED, hold_from(payload, hold.listing_id))


def place_from(reply: list[Any] | None) -> Place | None:
    if reply is None:
        return None
    ticket, user, position, admitted_ms, used = reply
    return Place(ticket, user, position, int(admitted_ms) if admitted_ms else None, bool(used))
