"""Likes, keyword subscriptions and alert marks, and the scheduler's queries over listings.

The database holds the invariants: one like per (user, listing), one subscription per
(user, keyword), one alert mark per (listing, lead, window opening). Inserting a like or a
subscription that already exists is absorbed in a savepoint, so two concurrent requests give
one row and the caller learns it was not the one that added it. An alert mark that already
exists is *not* absorbed: the flush raises and the whole transaction — its AlertDue events
included — rolls back, which is the last guard that an alert goes out once per window edge.

Listing rows the scheduler changes are locked ``FOR UPDATE SKIP LOCKED`` (PostgreSQL); another
replica skips them instead of waiting. SQLite ignores the clause and serialises writers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    and_,
    delete,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from stampede.catalog.domain.listings import WINDOWED, Status
from stampede.catalog.domain.windows import ALERT_HORIZON, ALERTED_KINDS, LEADS, Lead
from stampede.catalog.store.base import Base
from stampede.catalog.store.listings import Listing
from stampede.kernel.sqltypes import UtcDateTime, Uuid, new_id


class Like(Base):
    __tablename__ = "likes"
    user_id: Mapped[str] = mapped_column(Uuid(), primary_key=True)
    listing_id: Mapped[str] = mapped_column(
        Uuid(), ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    __table_args__ = (Index("ix_likes_user_id_created_at", "user_id", "created_at"),)


KEYWORD_SLOTS = 20  # keywords a user may follow; the database holds them to it


class KeywordSubscription(Base):
    """A user's keyword in one of their :data:`KEYWORD_SLOTS` slots: two subscriptions racing
    for the last place cannot both take it (unique per user and slot)."""

    __tablename__ = "keyword_subscriptions"
    id: Mapped[str] = mapped_column(Uuid(), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(Uuid())
    keyword: Mapped[str] = mapped_column(String(30))
    slot: Mapped[int] = mapped_column(Integer())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    __table_args__ = (
        UniqueConstraint("user_id", "keyword"),
        UniqueConstraint("user_id", "slot", name="uq_keyword_subscriptions_user_slot"),
        CheckConstraint("keyword = lower(keyword)", name="keyword_lowercase"),
        CheckConstraint(f"slot >= 0 AND slot < {KEYWORD_SLOTS}", name="keyword_slot"),
    )


class AlertMark(Base):
    __tablename__ = "alert_marks"
    listing_id: Mapped[str] = mapped_column(
        Uuid(), ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True
    )
    lead: Mapped[str] = mapped_column(String(3), primary_key=True)
    opens_at: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime())
    __table_args__ = (CheckConstraint("lead IN ('24h', '1h')", name="lead"),)


@dataclass(frozen=True)
class Liked:
    """One wish-list entry: when the user liked it and what the listing shows now."""

    liked_at: datetime
    listing_id: str
    title: str
    kind: str
    price: int
    deal_price: int | None
    status: str
    opens_at: datetime | None
    closes_at: datetime | None


LIKED_COLUMNS = (
    Like.created_at,
    Listing.id,
    Listing.title,
    Listing.kind,
    Listing.price,
    Listing.deal_price,
    Listing.status,
    Listing.opens_at,
    Listing.closes_at,
)


class Engagement:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _insert_once(self, row: Like | KeywordSubscription) -> bool:
        """Insert in a savepoint; False (and nothing written) when the key exists already."""
        try:
            async with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:
            return False
        return True

    # likes

    async def listing_status(self, listing_id: str) -> str | None:
        return await self.session.scalar(select(Listing.status).where(Listing.id == listing_id))

    async def add_like(self, user_id: str, listing_id: str, at: datetime) -> bool:
        """True when this call added the like; False when it existed (also concurrently)."""
        if await self.session.get(Like, (user_id, listing_id)) is not None:
            return False
        return await self._insert_once(Like(user_id=user_id, listing_id=listing_id, created_at=at))

    async def remove_like(self, user_id: str, listing_id: str) -> bool:
        """True when a like was there to remove."""
        result = await self.session.execute(
            delete(Like).where(Like.user_id == user_id, Like.listing_id == listing_id)
        )
        return bool(getattr(result, "rowcount", 0))

    async def like_count(self, listing_id: str) -> int:
        query = select(func.count()).select_from(Like).where(Like.listing_id == listing_id)
        return int(await self.session.scalar(query) or 0)

    async def likers(self, listing_id: str) -> Sequence[str]:
        query = select(Like.user_id).where(Like.listing_id == listing_id).order_by(Like.created_at)
        return (await self.session.scalars(query)).all()

    async def wishlist(
        self, user_id: str, before: tuple[datetime, str] | None, limit: int
    ) -> list[Liked]:
        """The user's likes of listings that are not deleted, newest like first, strictly
        after the cursor ``before`` = (liked_at, listing_id) of the previous page's last row."""
        query = (
            select(*LIKED_COLUMNS)
            .join(Listing, Listing.id == Like.listing_id)
            .where(Like.user_id == user_id, Listing.status != Status.DELETED)
            .order_by(Like.created_at.desc(), Like.listing_id.desc())
            .limit(limit)
        )
        if before is not None:
            liked_at, listing_id = before
            query = query.where(
                or_(
                    Like.created_at < liked_at,
                    and_(Like.created_at == liked_at, Like.listing_id < listing_id),
                )
            )
        return [Liked(*row) for row in await self.session.execute(query)]

    # keyword subscriptions

    async def keywords(self, user_id: str) -> Sequence[KeywordSubscription]:
        query = select(KeywordSubscription).where(KeywordSubscription.user_id == user_id)
        order = (KeywordSubscription.created_at, KeywordSubscription.keyword)
        return (await self.session.scalars(query.order_by(*order))).all()

    async def keyword(self, user_id: str, keyword: str) -> KeywordSubscription | None:
        return await self.session.scalar(
            select(KeywordSubscription).where(
                KeywordSubscription.user_id == user_id, KeywordSubscription.keyword == keyword
            )
        )

    async def keyword_by_id(self, subscription_id: str) -> KeywordSubscription | None:
        return await self.session.get(KeywordSubscription, subscription_id)

    async def keyword_count(self, user_id: str) -> int:
        query = select(func.count()).where(KeywordSubscription.user_id == user_id)
        return int(await self.session.scalar(query) or 0)

    async def free_keyword_slot(self, user_id: str) -> int | None:
        """The user's lowest free slot; None when all are taken."""
        query = select(KeywordSubscription.slot).where(KeywordSubscription.user_id == user_id)
        taken = set((await self.session.scalars(query)).all())
        return next((slot for slot in range(KEYWORD_SLOTS) if slot not in taken), None)

    async def add_keyword(self, subscription: KeywordSubscription) -> bool:
        """True when added; False when the user holds this keyword already."""
        return await self._insert_once(subscription)

    async def remove_keyword(self, subscription: KeywordSubscription) -> None:
        await self.session.delete(subscription)

    # sale windows

    async def due_listing_ids(self, now: datetime, limit: int) -> Sequence[str]:
        """Listings with a window edge or a deal alert due at ``now``, earliest window first.
        Read without locks; :meth:`lock_listing` then takes each one (or skips it)."""
        query = (
            select(Listing.id)
            .where(
                Listing.status.in_([Status.SCHEDULED.value, Status.OPEN.value]),
                Listing.opens_at <= now + ALERT_HORIZON,  # what is due opens by then
                Listing.kind.in_([k.value for k in WINDOWED]),
                _edge_due(now),
            )
            .order_by(Listing.opens_at, Listing.id)
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()

    async def lock_listing(self, listing_id: str) -> Listing | None:
        """The listing, locked for this transaction; None when another transaction holds it."""
        query = select(Listing).where(Listing.id == listing_id)
        return await self.session.scalar(query.with_for_update(skip_locked=True))

    async def alerted(self, listing_id: str, opens_at: datetime) -> set[str]:
        """The leads already alerted for this listing's window opening at ``opens_at``."""
        query = select(AlertMark.lead).where(
            AlertMark.listing_id == listing_id, AlertMark.opens_at == opens_at
        )
        return set((await self.session.scalars(query)).all())

    async def mark_alerted(
        self, listing_id: str, lead: Lead, opens_at: datetime, at: datetime
    ) -> None:
        """Record the alert; raises IntegrityError at flush when it was recorded already."""
        self.session.add(AlertMark(listing_id=listing_id, lead=lead, opens_at=opens_at, sent_at=at))
        await self.session.flush()


def _edge_due(now: datetime) -> ColumnElement[bool]:
    scheduled, opened = Listing.status == Status.SCHEDULED, Listing.status == Status.OPEN
    return or_(
        and_(scheduled, Listing.opens_at <= now),
        and_(or_(scheduled, opened), Listing.closes_at <= now),
        *(_alert_due(lead, now) for lead in LEADS),
    )


def _alert_due(lead: Lead, now: datetime) -> ColumnElement[bool]:
    marked = exists().where(
        AlertMark.listing_id == Listing.id,
        AlertMark.lead == lead,
        AlertMark.opens_at == Listing.opens_at,
    )
    return and_(
        Listing.kind.in_([k.value for k in ALERTED_KINDS]),
        Listing.status == Status.SCHEDULED,
        Listing.opens_at > now,
        Listing.opens_at <= now + LEADS[lead],
        ~marked,
    )
