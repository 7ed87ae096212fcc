"""Sales: a hold names the order that took it (``holds.order_id``, nullable).

Revision ID: sales_0002

sales_0001 creates the tables as ``store.tables`` describes them today, so a database made by
it after this revision already has the column; one made before gets it here. Either way the
schema ends the same, on SQLite and PostgreSQL.
"""

import sqlalchemy as sa
from alembic import op

from stampede.kernel.sqltypes import Uuid

revision = "sales_0002"
down_revision = "sales_0001"
branch_labels = None
depends_on = None


def _has_order_id() -> bool:
    columns = sa.inspect(op.get_bind()).get_columns("holds")
    return any(column["name"] == "order_id" for column in columns)


def upgrade() -> None:
    if not _has_order_id():
        op.add_column("holds", sa.Column("order_id", Uuid(), nullable=True))


def downgrade() -> None:
    op.drop_column("holds", "order_id")  # SQLite ≥ 3.35 drops it in place, keeping the indexes
