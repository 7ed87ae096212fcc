"""Community's tables. The database keeps the promises: one like, one price confirmation and
one report per (post, member); one review per order, from 1 to 5 stars; counters and prices
never below zero; states and board kinds among the known ones; replies only to comments of
the same post (checked by the handlers, anchored by the foreign keys)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from stampede.community.domain.access import STATES, VISIBLE
from stampede.community.domain.boards import BOARD_KINDS
from stampede.kernel.sqltypes import UtcDateTime, Uuid, context_metadata

metadata = context_metadata()
COUNTERS = ("views", "likes", "confirms", "comments", "reports")


def one_of(column: str, values: Sequence[str]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


boards = sa.Table(
    "boards",
    metadata,
    sa.Column("slug", sa.String(30), primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
    sa.Column("description", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.CheckConstraint(one_of("kind", BOARD_KINDS), name="kind"),
)

members = sa.Table(  # names of members, from identity's events (never read from identity)
    "members",
    metadata,
    sa.Column("user_id", Uuid(), primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
    sa.Column("registered_at", UtcDateTime(), nullable=False),
)

posts = sa.Table(
    "posts",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    sa.Column("board", sa.String(30), sa.ForeignKey("boards.slug"), nullable=False),
    sa.Column("author_id", Uuid(), nullable=False),
    sa.Column("title", sa.String(100), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("tags", sa.JSON(), nullable=False),
    sa.Column("state", sa.String(8), nullable=False, server_default=VISIBLE),
    sa.Column("item", sa.String(100)),
    sa.Column("price", sa.BigInteger()),
    sa.Column("store", sa.String(60)),
    sa.Column("url", sa.String(500)),
    sa.Column("image_type", sa.String(20)),
    *(sa.Column(name, sa.Integer(), nullable=False, server_default="0") for name in COUNTERS),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.CheckConstraint(one_of("state", ("visible", "hidden")), name="state"),
    sa.CheckConstraint("price IS NULL OR price >= 0", name="price"),
    sa.CheckConstraint(" AND ".join(f"{n} >= 0" for n in COUNTERS), name="counters"),
    sa.CheckConstraint("length(title) >= 1", name="title"),
    sa.Index("ix_posts_board_created", "board", "created_at", "id"),
    sa.Index("ix_posts_author", "author_id", "created_at"),
)

post_images = sa.Table(
    "post_images",
    metadata,
    sa.Column("post_id", Uuid(), sa.ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("media_type", sa.String(20), nullable=False),
    sa.Column("data", sa.LargeBinary(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.CheckConstraint(one_of("media_type", ("image/png", "image/jpeg", "image/webp")), "type"),
)

comments = sa.Table(
    "comments",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    sa.Column("post_id", Uuid(), sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("parent_id", Uuid(), sa.ForeignKey("comments.id", ondelete="CASCADE")),
    sa.Column("author_id", Uuid(), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("state", sa.String(8), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.CheckConstraint(one_of("state", STATES), name="state"),
    sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name="parent"),
    sa.Index("ix_comments_post_created", "post_id", "parent_id", "created_at", "id"),
    sa.Index("ix_comments_parent_created", "parent_id", "created_at"),
)


def _reaction(name: str, *extra: sa.Column[str]) -> sa.Table:
    """One row per (post, member): the primary key is the once-per-member rule."""
    return sa.Table(
        name,
        metadata,
        sa.Column(
            "post_id", Uuid(), sa.ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("user_id", Uuid(), primary_key=True),
        *extra,
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )


likes = _reaction("post_likes")
confirms = _reaction("price_confirms")
reports = _reaction(
    "post_reports",
    sa.Column("id", Uuid(), nullable=False, unique=True),
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("reason", sa.String(300), nullable=False),
)
sa.Index("ix_post_reports_created", reports.c.created_at, reports.c.id)

completed_orders = sa.Table(  # from ordering's OrderStatusChanged (status COMPLETED)
    "completed_orders",
    metadata,
    sa.Column("order_id", Uuid(), primary_key=True),
    sa.Column("user_id", Uuid(), nullable=False),
    sa.Column("listing_id", Uuid(), nullable=False),
    sa.Column("listing_kind", sa.String(12), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("completed_at", UtcDateTime(), nullable=False),
    sa.Index("ix_completed_orders_user_listing", "user_id", "listing_id"),
)

reviews = sa.Table(
    "reviews",
    metadata,
    sa.Column("id", Uuid(), primary_key=True),
    sa.Column(
        "order_id", Uuid(), sa.ForeignKey("completed_orders.order_id"), nullable=False, unique=True
    ),
    sa.Column("listing_id", Uuid(), nullable=False),
    sa.Column("user_id", Uuid(), nullable=False),
    sa.Column("stars", sa.SmallInteger(), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("state", sa.String(8), nullable=False),
    sa.Column("seq", sa.Integer(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.CheckConstraint("stars BETWEEN 1 AND 5", name="stars"),
    sa.CheckConstraint("seq >= 1", name="seq"),
    sa.CheckConstraint(one_of("state", STATES), name="state"),
    sa.Index("ix_reviews_listing_state_created", "listing_id", "state", "created_at", "id"),
)
