"""What a hold is, what one may ask for, and every way the atomic hold step can answer.

A *sale* is one listing. Four kinds of thing can be held, one atomic step each:

* ``stock`` — a deal's counted stock, ``quantity`` ≥ 1 pieces;
* ``seats`` — named seats of a performance, all of ``seat_ids`` or none;
* ``unit`` — one serialized phone unit: ``unit_id``, or the smallest free unit id at
  ``shop_id``, or the smallest free unit id at any shop;
* ``dates`` — a car for the days ``[first_day, end_day)`` (epoch day numbers; the end day is
  the return day and is not held).

The per-user limit counts pieces (quantity, seats, units, rentals) per sale; 0 means none.
A hold an order took is kept until :data:`ORDERED_EXPIRY_MS`: only the order ends it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

MAX_QUANTITY = 100  # pieces of stock in one hold
MAX_SEATS = 20  # seats in one hold
MAX_RENTAL_DAYS = 30  # days in one car hold
ORDERED_EXPIRY_MS = 32_503_680_000_000  # 3000-01-01 UTC: an ordered hold never comes due


EPOCH = date(1970, 1, 1).toordinal()


def day_number(day: date) -> int:
    """Days since 1970-01-01: how the inventory names a car-day."""
    return day.toordinal() - EPOCH


def day_date(number: int) -> date:
    return date.fromordinal(number + EPOCH)


class Kind(StrEnum):
    STOCK = "stock"
    SEATS = "seats"
    UNIT = "unit"
    DATES = "dates"


class Verdict(StrEnum):
    """The answer of the atomic hold step."""

    GRANTED = "granted"  # a new hold exists
    REPLAYED = "replayed"  # the same user's Idempotency-Key already made this hold
    SOLD_OUT = "sold_out"  # not enough stock left
    TAKEN = "taken"  # a seat, the unit or a day is in another live hold (or no unit is free)
    OVER_LIMIT = "over_limit"  # the per-user limit would be passed
    NOT_ADMITTED = "not_admitted"  # the sale has a waiting room and the ticket is not admitted
    TOKEN_USED = "token_used"  # the admission ticket already made a hold
    CLOSED = "closed"  # outside the sale window, or the car is not rentable
    UNKNOWN = "unknown"  # the sale, a seat or the unit does not exist (or wrong kind)


@dataclass(frozen=True)
class Rules:
    """How one sale sells; times in epoch milliseconds, 0 = no bound."""

    listing_id: str
    kind: Kind
    per_user_limit: int = 0
    waiting_room: bool = False
    opens_ms: int = 0
    closes_ms: int = 0
    admission_ttl_ms: int = 120_000  # how long an admitted, unused ticket stays good

    def open_at(self, now_ms: int) -> bool:
        after_open = self.opens_ms == 0 or now_ms >= self.opens_ms
        return after_open and (self.closes_ms == 0 or now_ms < self.closes_ms)


@dataclass(slots=True, unsafe_hash=True)  # a value, never changed; not frozen: ARCHITECTURE.md
class Hold:
    """One hold as every adapter and the durable record keep it."""

    hold_id: str
    listing_id: str
    user_id: str
    kind: Kind
    expires_ms: int
    quantity: int = 0
    seat_ids: tuple[str, ...] = ()
    unit_id: str | None = None
    first_day: int = 0
    end_day: int = 0
    ticket: str | None = None  # the admission ticket it used
    idempotency_key: str | None = None

    @property
    def pieces(self) -> int:
        """What the hold counts against the per-user limit."""
        if self.kind is Kind.STOCK:
            return self.quantity
        if self.kind is Kind.SEATS:
            return len(self.seat_ids)
        return 1

    @property
    def days(self) -> range:
        return range(self.first_day, self.end_day)


@dataclass(slots=True, unsafe_hash=True)  # a value, never changed; not frozen: ARCHITECTURE.md
class HoldRequest:
    """One attempt; ``hold`` is the hold that a grant creates (ids and expiry chosen by the
    caller, so every adapter records the same thing). ``shop_id`` narrows "any unit"."""

    hold: Hold
    now_ms: int
    shop_id: str | None = None


@dataclass(slots=True, unsafe_hash=True)  # a value, never changed; not frozen: ARCHITECTURE.md
class HoldResult:
    verdict: Verdict
    hold: Hold | None = None  # the granted or replayed hold (a unit hold names its unit)

    @property
    def ok(self) -> bool:
        return self.verdict in (Verdict.GRANTED, Verdict.REPLAYED)


@dataclass(frozen=True)
class Snapshot:
    """Everything one sale's live state is rebuilt from (the durable truth)."""

    rules: Rules
    stock: int = 0
    seat_ids: frozenset[str] = frozenset()
    units: dict[str, str] = field(default_factory=dict)  # unit_id → shop_id
    rentable: bool = True
    holds: tuple[Hold, ...] = ()
    used_tickets: frozenset[str] = frozenset()
