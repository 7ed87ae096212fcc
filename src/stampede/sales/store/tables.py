"""The sales tables (the durable record). The database constraints are the final guard behind
the fast inventory: a seat, a unit or a car-day is claimed by at most one live hold (primary
keys of the claim tables), a sale's taken stock never passes its stock and a user's pieces
never pass the limit (conditional updates checked row by row), one live hold per user and
Idempotency-Key in a sale (keys are scoped per user and sale, as the inventory keeps them),
one hold per admission ticket. A hold an order took names it (``order_id``, sales_0002)."""

from __future__ import annotations

import sqlalchemy as sa

from stampede.kernel.sqltypes import UtcDateTime, Uuid, context_metadata

metadata = context_metadata()

KINDS = "kind IN ('stock', 'seats', 'unit', 'dates')"
STATES = "state IN ('live', 'released', 'expired')"

sales = sa.Table(
    "sales",
    metadata,
    sa.Column("listing_id", Uuid(), primary_key=True),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("per_user_limit", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("waiting_room", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("opens_at", UtcDateTime()),
    sa.Column("closes_at", UtcDateTime()),
    sa.Column("stock", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("taken", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("rentable", sa.Boolean(), nullable=False, server_default=sa.true()),
    sa.Column("admission_rate", sa.Float()),
    sa.CheckConstraint(KINDS, name="kind"),
    sa.CheckConstraint("stock >= 0 AND taken >= 0 AND per_user_limit >= 0", name="counts"),
)

owners = sa.Table(  # who may tune a sale: its company's owner (from catalog and identity facts)
    "owners",
    metadata,
    sa.Column("listing_id", Uuid(), primary_key=True),
    sa.Column("company_id", Uuid()),
)

companies = sa.Table(
    "companies",
    metadata,
    sa.Column("company_id", Uuid(), primary_key=True),
    sa.Column("owner_id", Uuid(), nullable=False),
)

sale_seats = sa.Table(
    "sale_seats",
    metadata,
    sa.Column("listing_id", Uuid(), nullable=False),
    sa.Column("seat_id", Uuid(), primary_key=True),
    sa.Column("session_id", Uuid(), nullable=False),
    sa.Index("ix_sale_seats_listing_session", "listing_id", "session_id"),
)

sale_units = sa.Table(
    "sale_units",
    metadata,
    sa.Column("listing_id", Uuid(), nullable=False),
    sa.Column("unit_id", Uuid(), primary_key=True),
    sa.Column("shop_id", Uuid(), nullable=False),
    sa.Index("ix_sale_units_listing_shop", "listing_id", "shop_id"),
)

holds = sa.Table(
    "holds",
    metadata,
    sa.Column("hold_id", Uuid(), primary_key=True),
    sa.Column("listing_id", Uuid(), nullable=False),
    sa.Column("user_id", Uuid(), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("quantity", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("seat_ids", sa.Text(), nullable=False, server_default=""),
    sa.Column("unit_id", Uuid()),
    sa.Column("first_day", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("end_day", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("ticket", sa.String(80), unique=True),
    sa.Column("idempotency_key", sa.String(255)),
    sa.Column("state", sa.String(8), nullable=False, server_default="live"),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("ended_at", UtcDateTime()),
    sa.Column("order_id", Uuid()),  # the order that took the hold; it alone may end it
    sa.CheckConstraint(KINDS, name="kind"),
    sa.CheckConstraint(STATES, name="state"),
    sa.CheckConstraint("quantity >= 0 AND end_day >= first_day", name="amounts"),
    sa.Index("ix_holds_listing_state_expires", "listing_id", "state", "expires_at"),
    sa.Index("ix_holds_user_created", "user_id", "created_at"),
    sa.Index(
        "uq_holds_live_key",
        "user_id",
        "listing_id",
        "idempotency_key",
        unique=True,
        sqlite_where=sa.text("state = 'live' AND idempotency_key IS NOT NULL"),
        postgresql_where=sa.text("state = 'live' AND idempotency_key IS NOT NULL"),
    ),
)


def _claim(name: str, *key: sa.Column[object]) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        *key,
        sa.Column("hold_id", Uuid(), sa.ForeignKey("holds.hold_id"), nullable=False),
    )


hold_seats = _claim("hold_seats", sa.Column("seat_id", Uuid(), primary_key=True))
hold_units = _claim("hold_units", sa.Column("unit_id", Uuid(), primary_key=True))
hold_days = _claim(
    "hold_days",
    sa.Column("listing_id", Uuid(), primary_key=True),
    sa.Column("day", sa.Integer(), primary_key=True),
)
hold_pieces = sa.Table(
    "hold_pieces",
    metadata,
    sa.Column("listing_id", Uuid(), primary_key=True),
    sa.Column("user_id", Uuid(), primary_key=True),
    sa.Column("pieces", sa.Integer(), nullable=False),
    sa.Column("cap", sa.Integer(), nullable=False, server_default="0"),  # limit at last grant
    sa.CheckConstraint("pieces >= 0 AND (cap = 0 OR pieces <= cap)", name="pieces"),
)
