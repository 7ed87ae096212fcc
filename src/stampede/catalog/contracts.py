"""What the catalog tells other contexts; the only catalog module they may import.

Listing events carry ``search_text`` (lower-cased title, description, category and more) so
keyword alerts match the same text search does. The inventory events (``StockSet``,
``SeatsSet``, ``UnitsSet``, ``CarSet``) are the facts sales keeps its own copy of; each is the
whole current truth for its listing (or session), so a consumer may simply replace what it has.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from stampede.kernel.messages import Event


class CatalogEvent(Event):
    source: ClassVar[str] = "catalog"


class ListingPublished(CatalogEvent):
    """A listing became visible to buyers (scheduled, open or published)."""

    listing_id: str
    kind: str
    company_id: str | None
    title: str
    category: str
    search_text: str
    price: int
    deal_price: int | None = None  # what a deal's buyer pays, when it has one
    opens_at: datetime | None = None
    closes_at: datetime | None = None


class ListingUpdated(CatalogEvent):
    """A listing's public fields or status changed."""

    listing_id: str
    kind: str
    status: str
    title: str
    category: str
    search_text: str
    price: int
    deal_price: int | None = None  # what a deal's buyer pays, when it has one
    opens_at: datetime | None = None
    closes_at: datetime | None = None


class ListingDeleted(CatalogEvent):
    """A listing was deleted (soft); nothing more may be sold from it."""

    listing_id: str
    kind: str


class SaleOpened(CatalogEvent):
    """A deal's or performance's sale window opened (emitted once per window)."""

    listing_id: str
    kind: str
    opens_at: datetime
    closes_at: datetime


class SaleClosed(CatalogEvent):
    """A deal's or performance's sale window closed (emitted once per window)."""

    listing_id: str
    kind: str
    closes_at: datetime


class AlertDue(CatalogEvent):
    """A user who liked a deal should hear that it opens in 24 hours or in 1 hour."""

    listing_id: str
    user_id: str
    lead: Literal["24h", "1h"]
    title: str
    opens_at: datetime


class LikeAdded(CatalogEvent):
    listing_id: str
    user_id: str


class LikeRemoved(CatalogEvent):
    listing_id: str
    user_id: str


class KeywordSubscribed(CatalogEvent):
    """A user wants to hear about new listings whose text contains ``keyword`` (lower-cased)."""

    subscription_id: str
    user_id: str
    keyword: str


class KeywordUnsubscribed(CatalogEvent):
    subscription_id: str
    user_id: str


def keyword_matches(search_text: str, keyword: str) -> bool:
    """Whether searching the catalog for ``keyword`` finds a listing with ``search_text`` (as
    ListingPublished carries it): every term of the keyword, lower-cased, occurs in the text."""
    text = search_text.lower()
    return all(term in text for term in keyword.lower().split())


class Fact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StockSet(CatalogEvent):
    """A deal's sellable stock and rules, as the catalog now holds them."""

    listing_id: str
    stock: int
    per_user_limit: int
    waiting_room: bool
    opens_at: datetime
    closes_at: datetime


class Seat(Fact):
    seat_id: str
    label: str
    grade: str
    price: int


class SeatsSet(CatalogEvent):
    """One performance session's seats and rules (one event per session)."""

    listing_id: str
    session_id: str
    starts_at: datetime
    per_user_limit: int
    waiting_room: bool
    opens_at: datetime
    closes_at: datetime
    seats: list[Seat]


class Unit(Fact):
    unit_id: str
    serial: str


class UnitsSet(CatalogEvent):
    """A phone model's serialized units at one shop that can be sold."""

    listing_id: str
    shop_id: str
    price: int
    units: list[Unit]


class CarSet(CatalogEvent):
    """A rental car and whether it can be rented (not in maintenance, not deleted)."""

    listing_id: str
    car_number: str
    region: str
    daily_rate: int
    rentable: bool
