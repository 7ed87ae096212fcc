"""Notification: its copy of orders, for the confirmation mail and status messages.

Revision ID: notification_0002
"""

import sqlalchemy as sa
from alembic import op

from stampede.kernel.sqltypes import UtcDateTime, Uuid

revision = "notification_0002"
down_revision = "notification_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_copies",
        sa.Column("order_id", Uuid(), primary_key=True),
        sa.Column("user_id", Uuid(), nullable=False),
        sa.Column("placed", sa.Boolean(), nullable=False),
        sa.Column("listing_kind", sa.String(12), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("amount", sa.Integer()),
        sa.Column("seat_labels", sa.JSON(), nullable=False),
        sa.Column("session_starts_at", UtcDateTime()),
        sa.Column("start_date", sa.Date()),
        sa.Column("end_date", sa.Date()),
        sa.Column("told_seq", sa.Integer(), nullable=False),
        sa.Column("confirmed_event_id", sa.String(36)),
    )


def downgrade() -> None:
    op.drop_table("order_copies")
