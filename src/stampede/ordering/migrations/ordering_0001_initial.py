"""Ordering: first tables.

Revision ID: ordering_0001
"""

from stampede.kernel.migrate import create_tables, drop_tables
from stampede.ordering.store.tables import metadata

revision = "ordering_0001"
down_revision = None
branch_labels = ("ordering",)
depends_on = None


def upgrade() -> None:
    create_tables(metadata)


def downgrade() -> None:
    drop_tables(metadata)
