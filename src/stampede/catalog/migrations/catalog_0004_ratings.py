"""Star ratings: each review's latest stars (from community's events) and each listing's
totals (sum and number of counted reviews, 0 for existing listings).

Revision ID: catalog_0004

``listings`` gains its columns by ``op.add_column`` (no batch rebuild on SQLite, which would
drop the search triggers; see catalog_0001).
"""

import sqlalchemy as sa
from alembic import op

from stampede.kernel.sqltypes import Uuid

revision = "catalog_0004"
down_revision = "catalog_0003"
branch_labels = None
depends_on = None

TOTALS = ("rating_sum", "rating_count")


def upgrade() -> None:
    for column in TOTALS:
        op.add_column(
            "listings", sa.Column(column, sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "listing_reviews",
        sa.Column("review_id", Uuid(), primary_key=True),
        sa.Column("listing_id", Uuid(), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.CheckConstraint("stars IS NULL OR stars BETWEEN 1 AND 5", name="stars"),
        sa.CheckConstraint("seq >= 1", name="seq"),
    )
    op.create_index("ix_listing_reviews_listing_id", "listing_reviews", ["listing_id"])


def downgrade() -> None:
    op.drop_index("ix_listing_reviews_listing_id", "listing_reviews")
    op.drop_table("listing_reviews")
    for column in reversed(TOTALS):
        op.drop_column("listings", column)
