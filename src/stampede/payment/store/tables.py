"""Payment's tables: its copy of orders, payments and refunds.

The database keeps the promises: at most one live payment (ready, approving, approved) per
order (a partial unique index), ``0 ≤ refunded_total ≤ captured ≤ amount`` on every payment,
one refund per (payment, key), and known states only.
"""

from __future__ import annotations

import sqlalchemy as sa

from stampede.kernel.sqltypes import UtcDateTime, Uuid, context_metadata
from stampede.payment.domain.payments import LIVE, REFUND_STATES, STATUSES

metadata = context_metadata()


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


_LIVE = sa.text(_one_of("status", LIVE))

orders = sa.Table(  # ordering's orders as payment needs them; a void may come first
    "orders",
    metadata,
    sa.Column("order_id", Uuid(), primary_key=True),
    sa.Column("user_id", Uuid()),
    sa.Column("seller_id", Uuid()),
    sa.Column("title", sa.String(200), nullable=False, server_default=""),
    sa.Column("amount", sa.Integer()),
    sa.Column("status", sa.String(16), nullable=False, server_default=""),
    sa.Column("seq", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("payment_due_at", UtcDateTime()),
    sa.Column("voided_at", UtcDateTime()),
)

payments = sa.Table(
    "payments",
    metadata,
    sa.Column("payment_id", Uuid(), primary_key=True),
    sa.Column("order_id", Uuid(), nullable=False),
    sa.Column("user_id", Uuid(), nullable=False),
    sa.Column("seller_id", Uuid()),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("amount", sa.Integer(), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("reason", sa.String(40), nullable=False, server_default=""),
    sa.Column("tid", sa.String(100), nullable=False, unique=True),
    sa.Column("redirect_url", sa.String(1000), nullable=False),
    sa.Column("pg_token", sa.String(200)),
    sa.Column("aid", sa.String(100)),
    sa.Column("captured", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("refunded_total", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("approving_since", UtcDateTime()),
    sa.Column("settled_at", UtcDateTime()),
    sa.CheckConstraint(_one_of("status", STATUSES), name="status"),
    sa.CheckConstraint("amount > 0", name="amount"),
    sa.CheckConstraint(
        "0 <= refunded_total AND refunded_total <= captured AND captured <= amount", name="money"
    ),
    sa.Index(
        "uq_payments_live_order",
        "order_id",
        unique=True,
        sqlite_where=_LIVE,
        postgresql_where=_LIVE,
    ),
    sa.Index("ix_payments_order", "order_id"),
    sa.Index("ix_payments_status_since", "status", "approving_since"),
)

refunds = sa.Table(
    "refunds",
    metadata,
    sa.Column("refund_id", Uuid(), primary_key=True),
    sa.Column("payment_id", Uuid(), sa.ForeignKey("payments.payment_id"), nullable=False),
    sa.Column("key", sa.String(300), nullable=False),
    sa.Column("amount", sa.Integer(), nullable=False),
    sa.Column("reason", sa.String(40), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("error", sa.String(300), nullable=False, server_default=""),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("attempted_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("payment_id", "key", name="one_refund_per_key"),
    sa.CheckConstraint("amount > 0", name="amount"),
    sa.CheckConstraint(_one_of("status", REFUND_STATES), name="status"),
    sa.Index("ix_refunds_status_attempted", "status", "attempted_at"),
)
