"""Ordering's tables: orders, their saga steps, and its copy of prices and sellers.

The database keeps the promises: one order per hold (unique ``hold_id``), refunds never pass
what was paid (``refunded <= paid``), a status is one of the known ones, and a saga step is one
row per (order, step) whose state only moves forward.
"""

from __future__ import annotations

import sqlalchemy as sa

from stampede.kernel.sqltypes import UtcDateTime, Uuid, context_metadata
from stampede.ordering.contracts import STATUSES

metadata = context_metadata()
_STATUS_IN = "status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")"

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("order_id", Uuid(), primary_key=True),
    sa.Column("user_id", Uuid(), nullable=False),
    sa.Column("seller_id", Uuid()),
    sa.Column("company_id", Uuid()),
    sa.Column("listing_id", Uuid(), nullable=False),
    sa.Column("listing_kind", sa.String(12), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("hold_id", Uuid(), nullable=False, unique=True),
    sa.Column("amount", sa.Integer(), nullable=False),
    sa.Column("quantity", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("seat_ids", sa.JSON(), nullable=False),
    sa.Column("seat_labels", sa.JSON(), nullable=False),
    sa.Column("session_starts_at", UtcDateTime()),
    sa.Column("unit_id", Uuid()),
    sa.Column("shop_id", Uuid()),
    sa.Column("start_date", sa.Date()),
    sa.Column("end_date", sa.Date()),
    sa.Column("shipping_address", sa.String(300)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("seq", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("reason", sa.String(40), nullable=False, server_default=""),
    sa.Column("payment_id", Uuid()),
    sa.Column("paid", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("refunded", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("fulfilment", sa.JSON()),
    sa.Column("payment_due_at", UtcDateTime(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.CheckConstraint(_STATUS_IN, name="status"),
    sa.CheckConstraint("amount >= 0 AND paid >= 0 AND paid <= amount", name="paid"),
    sa.CheckConstraint("refunded >= 0 AND refunded <= paid", name="refunded"),
    sa.Index("ix_orders_user_created", "user_id", "created_at"),
    sa.Index("ix_orders_listing_status", "listing_id", "status"),
    sa.Index("ix_orders_status_due", "status", "payment_due_at"),
    sa.Index("ix_orders_seller_created", "seller_id", "created_at"),
)

steps = sa.Table(
    "saga_steps",
    metadata,
    sa.Column("order_id", Uuid(), sa.ForeignKey("orders.order_id"), primary_key=True),
    sa.Column("step", sa.String(24), primary_key=True),
    sa.Column("state", sa.String(8), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("due_at", UtcDateTime(), nullable=False),
    sa.Column("result", sa.JSON()),
    sa.Column("last_error", sa.Text(), nullable=False, server_default=""),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.CheckConstraint("state IN ('pending', 'done', 'failed', 'skipped')", name="state"),
    sa.Index("ix_saga_steps_state_due", "state", "due_at"),
)

placements = sa.Table(  # an order being placed: written before the hold is taken
    "placements",
    metadata,
    sa.Column("order_id", Uuid(), primary_key=True),
    sa.Column("hold_id", Uuid(), nullable=False, unique=True),
    sa.Column("user_id", Uuid(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

listings = sa.Table(  # the copy of what is sold, its price and seller (catalog, identity facts)
    "listings",
    metadata,
    sa.Column("listing_id", Uuid(), primary_key=True),
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("company_id", Uuid()),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("price", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("daily_rate", sa.Integer()),
    sa.Column("deleted", sa.Boolean(), nullable=False, server_default=sa.false()),
)

seats = sa.Table(
    "seats",
    metadata,
    sa.Column("seat_id", Uuid(), primary_key=True),
    sa.Column("listing_id", Uuid(), nullable=False),
    sa.Column("session_id", Uuid(), nullable=False),
    sa.Column("label", sa.String(40), nullable=False),
    sa.Column("price", sa.Integer(), nullable=False),
    sa.Column("starts_at", UtcDateTime(), nullable=False),
)

shop_prices = sa.Table(
    "shop_prices",
    metadata,
    sa.Column("listing_id", Uuid(), primary_key=True),
    sa.Column("shop_id", Uuid(), primary_key=True),
    sa.Column("price", sa.Integer(), nullable=False),
)

companies = sa.Table(
    "companies",
    metadata,
    sa.Column("company_id", Uuid(), primary_key=True),
    sa.Column("owner_id", Uuid(), nullable=False),
)
