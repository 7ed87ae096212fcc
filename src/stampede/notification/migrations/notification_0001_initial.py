"""Notification: recipients, keywords, inbox, deliveries, preferences.

Revision ID: notification_0001
"""

from alembic import op

from stampede.notification.store.tables import metadata

revision = "notification_0001"
down_revision = None
branch_labels = ("notification",)
depends_on = None
FIRST = ("recipients", "keywords", "notices", "deliveries", "preferences")


def upgrade() -> None:
    bind = op.get_bind()
    for name in FIRST:
        metadata.tables[name].create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for name in reversed(FIRST):
        metadata.tables[name].drop(bind)
