"""Notification: recipients, keywords, inbox, deliveries, preferences.

Revision ID: notification_0001
"""

from stampede.kernel.migrate import create_tables, drop_tables
from stampede.notification.store.tables import metadata

revision = "notification_0001"
down_revision = None
branch_labels = ("notification",)
depends_on = None


def upgrade() -> None:
    create_tables(metadata)


def downgrade() -> None:
    drop_tables(metadata)
