"""Fulfilment's tables: one arrangement per order, and its delivery, rental or tickets.

The database keeps the promises: one arrangement, delivery and rental per order (the primary
key and unique ``order_id``), one ticket per (order, seat), states among the known ones, a
moment recorded for every state reached (``<state>_at``), and a rental that ends no earlier
than it starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from stampede.fulfilment.domain.asks import NOTHING, WHAT
from stampede.fulfilment.domain.things import DELIVERY_STATES, RENTAL_STATES, TICKET_STATES
from stampede.kernel.sqltypes import UtcDateTime, Uuid, context_metadata

metadata = context_metadata()


def _one_of(column: str, values: Sequence[str]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _reached(column: str, *states: str) -> sa.CheckConstraint:
    """``column`` (when a state was reached) is set exactly in that state and the ones after
    it: states only move forward, so a moment once recorded stays true."""
    return sa.CheckConstraint(f"({_one_of('state', states)}) = ({column} IS NOT NULL)", name=column)


arrangements = sa.Table(  # the order's anchor: arrange and cancel meet on its primary key
    "arrangements",
    metadata,
    sa.Column("order_id", Uuid(), primary_key=True),
    sa.Column("what", sa.String(10), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.CheckConstraint(_one_of("what", [*sorted(set(WHAT.values())), NOTHING]), name="what"),
)


def _owned_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", Uuid(), primary_key=True),
        sa.Column("user_id", Uuid(), nullable=False),
        sa.Column("seller_id", Uuid()),
        sa.Column("listing_id", Uuid(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("cancelled_at", UtcDateTime()),
    ]


deliveries = sa.Table(
    "deliveries",
    metadata,
    *_owned_columns(),
    sa.Column("order_id", Uuid(), nullable=False, unique=True),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("quantity", sa.Integer(), nullable=False),
    sa.Column("unit_id", Uuid()),
    sa.Column("shop_id", Uuid()),
    sa.Column("shipping_address", sa.String(300)),
    sa.Column("shipped_at", UtcDateTime()),
    sa.Column("delivered_at", UtcDateTime()),
    sa.CheckConstraint(_one_of("state", DELIVERY_STATES), name="state"),
    sa.CheckConstraint(_one_of("kind", ("stock", "unit")), name="kind"),
    sa.CheckConstraint("quantity >= 0", name="quantity"),
    _reached("shipped_at", "shipped", "delivered"),
    _reached("delivered_at", "delivered"),
    _reached("cancelled_at", "cancelled"),
    sa.Index("ix_deliveries_seller_state", "seller_id", "state", "created_at", "id"),
    sa.Index("ix_deliveries_state_created", "state", "created_at", "id"),
)

rentals = sa.Table(
    "rentals",
    metadata,
    *_owned_columns(),
    sa.Column("order_id", Uuid(), nullable=False, unique=True),
    sa.Column("start_date", sa.Date(), nullable=False),
    sa.Column("end_date", sa.Date(), nullable=False),
    sa.Column("picked_up_at", UtcDateTime()),
    sa.Column("returned_at", UtcDateTime()),
    sa.CheckConstraint(_one_of("state", RENTAL_STATES), name="state"),
    sa.CheckConstraint("start_date <= end_date", name="dates"),
    _reached("picked_up_at", "picked_up", "returned"),
    _reached("returned_at", "returned"),
    _reached("cancelled_at", "cancelled"),
    sa.Index("ix_rentals_seller_state", "seller_id", "state", "created_at", "id"),
    sa.Index("ix_rentals_state_created", "state", "created_at", "id"),
)

tickets = sa.Table(
    "tickets",
    metadata,
    *_owned_columns(),
    sa.Column("order_id", Uuid(), nullable=False),
    sa.Column("seat_id", Uuid(), nullable=False),
    sa.Column("seat_label", sa.String(100), nullable=False),
    sa.Column("session_starts_at", UtcDateTime(), nullable=False),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("used_at", UtcDateTime()),
    sa.UniqueConstraint("order_id", "seat_id", name="one_ticket_per_seat"),
    sa.CheckConstraint(_one_of("state", TICKET_STATES), name="state"),
    _reached("used_at", "used"),
    _reached("cancelled_at", "cancelled"),
    sa.Index("ix_tickets_user_created", "user_id", "created_at", "id"),
)
