"""How holds and queue places read to buyers and to other contexts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from stampede.sales.contracts import HoldPlaced, TakenHold
from stampede.sales.domain.holds import Hold, day_date
from stampede.sales.domain.tokens import SEPARATOR
from stampede.sales.store import from_ms


def _goods(hold: Hold) -> dict[str, Any]:
    return {
        "quantity": hold.quantity,
        "seat_ids": list(hold.seat_ids),
        "unit_id": hold.unit_id,
        "start_date": day_date(hold.first_day) if hold.end_day else None,
        "end_date": day_date(hold.end_day) if hold.end_day else None,
    }


def placed_event(hold: Hold) -> HoldPlaced:
    return HoldPlaced(
        hold_id=hold.hold_id,
        listing_id=hold.listing_id,
        user_id=hold.user_id,
        kind=hold.kind.value,
        expires_at=from_ms(hold.expires_ms),
        **_goods(hold),
    )


def taken_view(hold: Hold, order_id: str, shop_id: str | None) -> TakenHold:
    """A hold as the order that took it sees it (ordering prices and fulfils from this)."""
    return TakenHold(
        hold_id=hold.hold_id,
        order_id=order_id,
        listing_id=hold.listing_id,
        user_id=hold.user_id,
        kind=hold.kind.value,
        shop_id=shop_id,
        **_goods(hold),
    )


def hold_view(
    hold: Hold, state: str = "live", created_at: datetime | None = None
) -> dict[str, Any]:
    """The JSON body of a hold (201 on create, 200 on read)."""
    body: dict[str, Any] = {
        "hold_id": hold.hold_id,
        "listing_id": hold.listing_id,
        "kind": hold.kind.value,
        "state": state,
        "expires_at": from_ms(hold.expires_ms).isoformat(),
        **_goods(hold),
    }
    for name in ("start_date", "end_date"):
        if body[name] is not None:
            body[name] = body[name].isoformat()
    if created_at is not None:
        body["created_at"] = created_at.isoformat()
    return body


def place_view(
    ticket: str,
    listing_id: str,
    position: int,
    admission_token: str | None,
    estimated_wait_s: int,
) -> dict[str, Any]:
    """A ticket's place in the waiting room; ``admitted`` once it may hold."""
    return {
        "ticket": ticket,
        "listing_id": listing_id,
        "position": position,
        "admitted": admission_token is not None,
        "admission_token": admission_token,
        "estimated_wait_s": estimated_wait_s,
    }


def etag(body: dict[str, Any]) -> str:
    """A weak validator of what a poller sees: position and wait, and once admitted the
    token's MAC (unique to the token, and already in the body)."""
    token = body["admission_token"]
    mac = token.rpartition(SEPARATOR)[2] if token else ""
    return f'W/"{body["position"]}.{body["estimated_wait_s"]}.{mac}"'
