"""One buyer's order as my page shows it, and how facts only ever add to it.

A card gains information and never loses it: the status moves only to a newer ``seq``; payment,
delivery, rental and ticket states only climb their ranks; captured and refunded totals only
grow; what an early event could not know (the listing, the amount) is filled in by the event
that does. The timeline keeps one entry per event handled, sorted by when it happened (ties by what
happened, so the order of arrival never shows).
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

PAYMENT_RANK = {"ready": 0, "failed": 1, "approved": 2, "refunded": 3}
DELIVERY_RANK = {"requested": 0, "shipped": 1, "delivered": 2, "cancelled": 3}
RENTAL_RANK = {"booked": 0, "picked_up": 1, "returned": 2, "cancelled": 3}
TICKET_RANK = {"issued": 0, "checked_in": 1, "cancelled": 2}
LISTING_KINDS = ("deal", "performance", "device", "car")


def forward(ranks: Mapping[str, int], current: str | None, new: str) -> str:
    """``new`` when it ranks above ``current`` (or nothing is known yet), else ``current``."""
    if current is None or ranks[new] > ranks[current]:
        return new
    return current


def stamp(at: datetime) -> str:
    """A time as timeline text: UTC ISO 8601 with microseconds, so text order is time order."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _entry_order(entry: Mapping[str, str]) -> tuple[str, str, str]:
    return entry["at"], entry["what"], entry.get("ticket_id", "")


@dataclass
class OrderCard:
    """Everything a buyer has going on for one order (denormalised, one row)."""

    order_id: str
    user_id: str
    placed_at: datetime  # when ordered; until OrderPlaced is seen, the earliest event time
    updated_at: datetime
    placed: bool = False  # OrderPlaced was handled: the listing facts are ordering's own
    listing_id: str | None = None
    listing_kind: str | None = None
    kind: str | None = None
    title: str = ""
    amount: int | None = None
    quantity: int = 0
    seat_labels: list[str] = field(default_factory=list)
    session_starts_at: datetime | None = None
    shop_id: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    status: str | None = None
    status_seq: int = -1
    reason: str = ""
    payment_id: str | None = None
    payment_state: str | None = None
    captured: int = 0
    refunded_total: int = 0
    delivery_id: str | None = None
    delivery_state: str | None = None
    rental_id: str | None = None
    rental_state: str | None = None
    tickets_cancelled: bool = False
    tickets: list[dict[str, str]] = field(default_factory=list)
    timeline: list[dict[str, str]] = field(default_factory=list)

    def seen(self, at: datetime) -> None:
        """An event of ``at`` was handled: an order not yet placed dates from its earliest."""
        if not self.placed and at < self.placed_at:
            self.placed_at = at
        self.updated_at = max(self.updated_at, at)

    def note(self, at: datetime, what: str, extra: Mapping[str, str | None]) -> None:
        """Add a timeline entry; ``extra`` (status, detail, ticket_id) without empty values."""
        entry = {"at": stamp(at), "what": what} | {k: v for k, v in extra.items() if v}
        bisect.insort(self.timeline, entry, key=_entry_order)

    def ticket(self, ticket_id: str, state: str, seat_id: str = "", label: str = "") -> None:
        """Record a ticket's state (and its seat, once known); tickets stay in seat order."""
        found = next((t for t in self.tickets if t["ticket_id"] == ticket_id), None)
        if found is None:
            found = {"ticket_id": ticket_id, "seat_id": "", "seat_label": "", "state": state}
            self.tickets.append(found)
        found["seat_id"] = seat_id or found["seat_id"]
        found["seat_label"] = label or found["seat_label"]
        for entry in self.timeline:  # entries of this ticket made before its seat was known
            if label and entry.get("ticket_id") == ticket_id:
                entry["detail"] = label
        wanted = "cancelled" if self.tickets_cancelled else state
        found["state"] = forward(TICKET_RANK, found["state"], wanted)
        self.tickets.sort(key=lambda t: (t["seat_label"], t["ticket_id"]))
