"""My page's one table, its SQL and its unit of work.

``order_cards`` holds one denormalised row per order, so every page is a single ``SELECT``
(the list reads the user's index ``(user_id, placed_at, order_id)``, with the kind in front of
the time when filtered). Writers claim a card: it is inserted empty when missing (insert-or-
nothing on the primary key, so two first events of one order meet on one row instead of one
failing) and read ``FOR UPDATE`` (PostgreSQL; SQLite serialises writers anyway), so events of one
order handled at the same time never overwrite each other's change.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any, Self

import sqlalchemy as sa

from stampede.kernel.db import Repository, UnitOfWork
from stampede.kernel.module import Runtime
from stampede.kernel.sqltypes import UtcDateTime, Uuid, context_metadata
from stampede.mypage.domain.card import OrderCard

metadata = context_metadata()

cards = sa.Table(
    "order_cards",
    metadata,
    sa.Column("order_id", Uuid(), primary_key=True),
    sa.Column("user_id", Uuid(), nullable=False),
    sa.Column("placed_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("placed", sa.Boolean(), nullable=False),
    sa.Column("listing_id", Uuid()),
    sa.Column("listing_kind", sa.String(12)),
    sa.Column("kind", sa.String(8)),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("amount", sa.Integer()),
    sa.Column("quantity", sa.Integer(), nullable=False),
    sa.Column("seat_labels", sa.JSON(), nullable=False),
    sa.Column("session_starts_at", UtcDateTime()),
    sa.Column("shop_id", Uuid()),
    sa.Column("start_date", sa.Date()),
    sa.Column("end_date", sa.Date()),
    sa.Column("status", sa.String(16)),
    sa.Column("status_seq", sa.Integer(), nullable=False),
    sa.Column("reason", sa.String(40), nullable=False),
    sa.Column("payment_id", Uuid()),
    sa.Column("payment_state", sa.String(10)),
    sa.Column("captured", sa.Integer(), nullable=False),
    sa.Column("refunded_total", sa.Integer(), nullable=False),
    sa.Column("delivery_id", sa.String(64)),
    sa.Column("delivery_state", sa.String(10)),
    sa.Column("rental_id", sa.String(64)),
    sa.Column("rental_state", sa.String(10)),
    sa.Column("tickets_cancelled", sa.Boolean(), nullable=False),
    sa.Column("tickets", sa.JSON(), nullable=False),
    sa.Column("timeline", sa.JSON(), nullable=False),
    sa.CheckConstraint("captured >= 0 AND refunded_total >= 0", name="money"),
    sa.Index("ix_order_cards_user_placed", "user_id", "placed_at", "order_id"),
    sa.Index("ix_order_cards_user_kind_placed", "user_id", "listing_kind", "placed_at", "order_id"),
)
_FIELDS = [f.name for f in fields(OrderCard)]
_LISTED = [cards.c[name] for name in _FIELDS if name != "timeline"]  # a list shows no timeline
Before = tuple[datetime, str]  # the (placed_at, order_id) of the last card already shown


def _card(row: Any) -> OrderCard:
    return OrderCard(**{name: getattr(row, name) for name in _FIELDS if name in row._fields})


class Cards(Repository):
    async def claim(self, order_id: str, user_id: str, at: datetime) -> OrderCard:
        """The order's card, locked for this transaction; an empty one first if there is none."""
        fresh = asdict(OrderCard(order_id, user_id, placed_at=at, updated_at=at))
        insert = self.insert(cards).values(**fresh)
        await self.session.execute(insert.on_conflict_do_nothing(index_elements=["order_id"]))
        query = sa.select(cards).where(cards.c.order_id == order_id).with_for_update()
        return _card((await self.session.execute(query)).one())

    async def save(self, card: OrderCard) -> None:
        values = {k: v for k, v in asdict(card).items() if k not in ("order_id", "user_id")}
        await self.session.execute(
            cards.update().where(cards.c.order_id == card.order_id).values(**values)
        )

    async def page(
        self, user_id: str, listing_kind: str | None, before: Before | None, limit: int
    ) -> list[OrderCard]:
        """The user's cards, newest first, after ``before``: one statement."""
        c = cards.c
        query = sa.select(*_LISTED).where(c.user_id == user_id)
        if listing_kind is not None:
            query = query.where(c.listing_kind == listing_kind)
        if before is not None:
            at, last_id = before
            query = query.where(
                sa.or_(c.placed_at < at, sa.and_(c.placed_at == at, c.order_id < last_id))
            )
        query = query.order_by(c.placed_at.desc(), c.order_id.desc()).limit(limit)
        return [_card(row) for row in await self.session.execute(query)]

    async def one(self, user_id: str, order_id: str) -> OrderCard | None:
        """The user's card of ``order_id``; None also when the order is someone else's."""
        query = sa.select(cards).where(cards.c.order_id == order_id, cards.c.user_id == user_id)
        row = (await self.session.execute(query)).first()
        return None if row is None else _card(row)


class MyPageUoW(UnitOfWork):
    cards: Cards

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime.db)
        self.runtime = runtime

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.cards = Cards(self.session)
        return self
