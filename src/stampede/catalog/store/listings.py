"""The catalog's tables: listings and their inventory, shops, and the copy of approved companies.

A listing row holds what every kind shares; ``details`` holds the kind's own scalar fields
(deal: stock, per-user limit, waiting room; performance: genre, venue, poster, per-user limit,
waiting room; device: shop; car: number, region, car status). ``price`` is the list price, the
lowest seat price, the device price or the daily rate. ``version`` goes up on every change
(ETags are built from it), so every writer must go through :func:`touch`. ``rating_sum`` and
``rating_count`` are the stars and number of the listing's counted reviews (``store.ratings``).

The migration (``catalog_0001``) adds what the ORM does not say: CHECK constraints on kinds,
states, prices and windows, and the search index (FTS5 trigram table kept in sync by triggers
on SQLite, a GIN trigram index on PostgreSQL).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stampede.catalog.domain.listings import Status
from stampede.catalog.store.base import Base
from stampede.kernel.sqltypes import UtcDateTime, Uuid, new_id

VISIBLE = (Status.SCHEDULED.value, Status.OPEN.value, Status.PUBLISHED.value)
"""States a buyer sees in lists (closed ones only when asked for, drafts and deleted never)."""
PUBLIC = (*VISIBLE, Status.CLOSED.value)
"""States whose detail page anyone may open."""
UNIT_STATES = ("available", "held", "sold", "unavailable")
CAR_STATES = ("available", "reserved", "rented", "maintenance")


class Company(Base):
    """The public profile of a company identity approved (from ``CompanyApproved``)."""

    __tablename__ = "companies"
    id: Mapped[str] = mapped_column(Uuid(), primary_key=True)
    owner_id: Mapped[str] = mapped_column(Uuid(), index=True)
    name: Mapped[str] = mapped_column(String(100))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str] = mapped_column(String(20))
    approved_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Shop(Base):
    """A place that sells phones; a company may own several, an admin's shop has no company."""

    __tablename__ = "shops"
    id: Mapped[str] = mapped_column(Uuid(), primary_key=True, default=new_id)
    company_id: Mapped[str | None] = mapped_column(
        Uuid(), ForeignKey("companies.id"), nullable=True, index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Listing(Base):
    __tablename__ = "listings"
    id: Mapped[str] = mapped_column(Uuid(), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(16))
    company_id: Mapped[str | None] = mapped_column(
        Uuid(), ForeignKey("companies.id"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(20))
    price: Mapped[int] = mapped_column(Integer)
    deal_price: Mapped[int | None] = mapped_column(Integer, nullable=True)
    images: Mapped[list[str]] = mapped_column(JSON, default=list)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    opens_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    closes_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(80), unique=True, nullable=True)
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    rating_count: Mapped[int] = mapped_column(Integer, default=0)


class PerformanceSession(Base):
    """One date-time of a performance; ``seat_map`` is the seat map as it was given."""

    __tablename__ = "performance_sessions"
    id: Mapped[str] = mapped_column(Uuid(), primary_key=True, default=new_id)
    listing_id: Mapped[str] = mapped_column(Uuid(), ForeignKey("listings.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    seat_map: Mapped[dict[str, Any]] = mapped_column(JSON)


class SeatRow(Base):
    """One seat of a session, with the price of its grade."""

    __tablename__ = "seats"
    __table_args__ = (UniqueConstraint("session_id", "label"),)
    id: Mapped[str] = mapped_column(Uuid(), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(Uuid(), ForeignKey("performance_sessions.id"))
    label: Mapped[str] = mapped_column(String(60))
    section: Mapped[str] = mapped_column(String(30))
    row: Mapped[str] = mapped_column(String(10))
    number: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(10))
    price: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)


class DeviceUnit(Base):
    """One serialized phone of a device listing, at one shop."""

    __tablename__ = "device_units"
    id: Mapped[str] = mapped_column(Uuid(), primary_key=True, default=new_id)
    listing_id: Mapped[str] = mapped_column(Uuid(), ForeignKey("listings.id"), index=True)
    shop_id: Mapped[str] = mapped_column(Uuid(), ForeignKey("shops.id"))
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="available")


def touch(listing: Listing, at: datetime) -> None:
    """Record a change: a new version (and so a new ETag) and ``updated_at``."""
    listing.version = (listing.version or 0) + 1
    listing.updated_at = at


def set_status(listing: Listing, status: Status | str, at: datetime) -> None:
    """Move ``listing`` to ``status`` as one recorded change (the sale-window job uses it too)."""
    listing.status = str(status)
    touch(listing, at)
