"""Notification's tables: its copy of recipients, keyword subscriptions and orders, the in-app
inbox, the mail send record and preferences.

The database keeps the promises: one inbox entry and one mail per (event, recipient) — the
unique ``(user_id, event_id)`` keys — and a mail's status moves only forward.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from stampede.kernel.messages import now
from stampede.kernel.sqltypes import UtcDateTime, Uuid, context_metadata, new_id


class Base(DeclarativeBase):
    metadata = context_metadata()


metadata = Base.metadata


class Recipient(Base):
    """Who a user is, as far as messages need (from identity's events)."""

    __tablename__ = "recipients"
    user_id: Mapped[str] = mapped_column(Uuid(), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    name: Mapped[str] = mapped_column(String(50), default="")
    locale: Mapped[str] = mapped_column(String(2), default="ko")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now, onupdate=now)


class Keyword(Base):
    """A keyword subscription (from the catalog's events)."""

    __tablename__ = "keywords"
    subscription_id: Mapped[str] = mapped_column(Uuid(), primary_key=True)
    user_id: Mapped[str] = mapped_column(Uuid(), index=True)
    keyword: Mapped[str] = mapped_column(String(30))


class Notice(Base):
    """One entry of a user's in-app inbox."""

    __tablename__ = "notices"
    __table_args__ = (
        UniqueConstraint("user_id", "event_id", name="one_notice_per_event"),
        Index("ix_notices_user_created", "user_id", "created_at", "id"),
    )
    id: Mapped[str] = mapped_column(Uuid(), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(Uuid())
    event_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class Delivery(Base):
    """One mail to send, and whether it was: the record that makes sending happen once."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("user_id", "event_id", name="one_mail_per_event"),
        CheckConstraint("status IN ('queued', 'sent', 'failed')", name="delivery_status"),
        CheckConstraint("queue IN ('verify', 'other')", name="delivery_queue"),
    )
    id: Mapped[str] = mapped_column(Uuid(), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(Uuid())
    event_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(30))
    queue: Mapped[str] = mapped_column(String(10))
    to_address: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str] = mapped_column(String(50))
    subject: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class Preference(Base):
    """A user's choice for one kind of message on one channel (no row: the default, on)."""

    __tablename__ = "preferences"
    user_id: Mapped[str] = mapped_column(Uuid(), primary_key=True)
    topic: Mapped[str] = mapped_column(String(20), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)


class OrderCopy(Base):
    """What the messages about an order need (from ordering's events), and how far its status
    was told: ``told_seq`` is the newest change told; ``confirmed_event_id`` holds a CONFIRMED
    change that came before the order's details, so the confirmation goes out when they do."""

    __tablename__ = "order_copies"
    order_id: Mapped[str] = mapped_column(Uuid(), primary_key=True)
    user_id: Mapped[str] = mapped_column(Uuid())
    placed: Mapped[bool] = mapped_column(Boolean, default=False)
    listing_kind: Mapped[str] = mapped_column(String(12), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    amount: Mapped[int | None] = mapped_column(Integer, nullable=True)
    seat_labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    session_starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    told_seq: Mapped[int] = mapped_column(Integer, default=0)
    confirmed_event_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
