"""Likes, keyword subscriptions and alert marks (the once-per-window guard for AlertDue).

Revision ID: catalog_0002
"""

import sqlalchemy as sa
from alembic import op

from stampede.kernel.sqltypes import UtcDateTime, Uuid

revision = "catalog_0002"
down_revision = "catalog_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _likes()
    _keyword_subscriptions()
    _alert_marks()


def _likes() -> None:
    op.create_table(
        "likes",
        sa.Column("user_id", Uuid(), primary_key=True),
        sa.Column(
            "listing_id",
            Uuid(),
            sa.ForeignKey("listings.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_likes_listing_id", "likes", ["listing_id"])
    op.create_index("ix_likes_user_id_created_at", "likes", ["user_id", "created_at"])


def _keyword_subscriptions() -> None:
    op.create_table(
        "keyword_subscriptions",
        sa.Column("id", Uuid(), primary_key=True),
        sa.Column("user_id", Uuid(), nullable=False),
        sa.Column("keyword", sa.String(30), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("user_id", "keyword"),
        sa.CheckConstraint("keyword = lower(keyword)", name="keyword_lowercase"),
    )


def _alert_marks() -> None:
    op.create_table(
        "alert_marks",
        sa.Column(
            "listing_id",
            Uuid(),
            sa.ForeignKey("listings.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("lead", sa.String(3), primary_key=True),
        sa.Column("opens_at", UtcDateTime(), primary_key=True),
        sa.Column("sent_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("lead IN ('24h', '1h')", name="lead"),
    )


def downgrade() -> None:
    op.drop_table("alert_marks")
    op.drop_table("keyword_subscriptions")
    op.drop_index("ix_likes_user_id_created_at", "likes")
    op.drop_index("ix_likes_listing_id", "likes")
    op.drop_table("likes")
