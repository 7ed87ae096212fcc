"""Payment: first tables.

Revision ID: payment_0001
"""

from stampede.kernel.migrate import create_tables, drop_tables
from stampede.payment.store import metadata

revision = "payment_0001"
down_revision = None
branch_labels = ("payment",)
depends_on = None


def upgrade() -> None:
    create_tables(metadata)


def downgrade() -> None:
    drop_tables(metadata)
