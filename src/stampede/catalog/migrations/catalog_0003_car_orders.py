"""Each car's live orders, from ordering's events (the car's status follows them).

Revision ID: catalog_0003
"""

import sqlalchemy as sa
from alembic import op

from stampede.kernel.sqltypes import Uuid

revision = "catalog_0003"
down_revision = "catalog_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "car_orders",
        sa.Column("order_id", Uuid(), primary_key=True),
        sa.Column("listing_id", Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
    )
    op.create_index("ix_car_orders_listing_id", "car_orders", ["listing_id"])


def downgrade() -> None:
    op.drop_index("ix_car_orders_listing_id", "car_orders")
    op.drop_table("car_orders")
