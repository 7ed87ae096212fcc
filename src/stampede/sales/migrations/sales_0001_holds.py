"""Sales: the copy of what is for sale, holds and their claims (the durable record).

Revision ID: sales_0001
"""

from stampede.kernel.migrate import create_tables, drop_tables
from stampede.sales.store.tables import metadata

revision = "sales_0001"
down_revision = None
branch_labels = ("sales",)
depends_on = None


def upgrade() -> None:
    create_tables(metadata)


def downgrade() -> None:
    drop_tables(metadata)
