"""Community: boards (with the free and price boards), members' names, posts and their photos,
comments, likes, price confirmations, reports, completed orders and reviews.

Revision ID: community_0001
"""

from datetime import UTC, datetime

from alembic import op

from stampede.community.domain.boards import DEFAULT_BOARDS
from stampede.community.store.tables import boards, metadata
from stampede.kernel.migrate import create_tables, drop_tables

revision = "community_0001"
down_revision = None
branch_labels = ("community",)
depends_on = None


def upgrade() -> None:
    create_tables(metadata)
    at = datetime.now(UTC)
    rows = [
        {"slug": s, "name": n, "description": d, "kind": k, "position": i, "created_at": at}
        for i, (s, n, d, k) in enumerate(DEFAULT_BOARDS, start=1)
    ]
    op.bulk_insert(boards, rows)


def downgrade() -> None:
    drop_tables(metadata)
