"""Sales: the copy of what is for sale, holds and their claims (the durable record).

Revision ID: sales_0001
"""

from alembic import op

from stampede.sales.store.tables import metadata

revision = "sales_0001"
down_revision = None
branch_labels = ("sales",)
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    for table in metadata.sorted_tables:
        table.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(metadata.sorted_tables):
        table.drop(bind)
