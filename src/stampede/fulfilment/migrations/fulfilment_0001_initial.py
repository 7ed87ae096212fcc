"""Fulfilment: arrangements, deliveries, rentals and tickets.

Revision ID: fulfilment_0001
"""

from stampede.fulfilment.store.tables import metadata
from stampede.kernel.migrate import create_tables, drop_tables

revision = "fulfilment_0001"
down_revision = None
branch_labels = ("fulfilment",)
depends_on = None


def upgrade() -> None:
    create_tables(metadata)


def downgrade() -> None:
    drop_tables(metadata)
