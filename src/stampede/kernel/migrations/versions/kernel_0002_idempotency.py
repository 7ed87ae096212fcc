"""Idempotency keys (``kernel.idempotency``), present in every context's database.

Revision ID: kernel_0002
"""

import sqlalchemy as sa
from alembic import op

from stampede.kernel.sqltypes import UtcDateTime

revision = "kernel_0002"
down_revision = "kernel_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer()),
        sa.Column("body", sa.JSON()),
        sa.Column("started_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("idempotency_keys")
