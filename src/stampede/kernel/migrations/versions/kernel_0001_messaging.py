"""Outbox and inbox tables, present in every context's database.

Revision ID: kernel_0001
"""

import sqlalchemy as sa
from alembic import op

from stampede.kernel.sqltypes import UtcDateTime

revision = "kernel_0001"
down_revision = None
branch_labels = ("kernel",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("time", UtcDateTime(), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("traceparent", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.Float, nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'sent', 'failed')", name="state"),
        sa.CheckConstraint("attempts >= 0", name="attempts"),
    )
    op.create_index("ix_outbox_state_seq", "outbox", ["state", "seq"])
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(200), primary_key=True),
        sa.Column("message_id", sa.String(36), primary_key=True),
        sa.Column("processed_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("inbox")
    op.drop_index("ix_outbox_state_seq", "outbox")
    op.drop_table("outbox")
