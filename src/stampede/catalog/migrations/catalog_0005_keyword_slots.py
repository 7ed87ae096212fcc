"""Keyword subscriptions take one of a user's 20 slots (unique per user, 0–19), so the cap holds
in the database when subscriptions race.

Revision ID: catalog_0005

Existing subscriptions get their slots in the order they were made. Were a user past the cap
(only a race could do that), the subscriptions beyond it are removed.
"""

import sqlalchemy as sa
from alembic import op

revision = "catalog_0005"
down_revision = "catalog_0004"
branch_labels = None
depends_on = None

SLOTS = 20
NUMBER_IN_ORDER = """
UPDATE keyword_subscriptions SET slot = (
    SELECT count(*) FROM keyword_subscriptions AS earlier
    WHERE earlier.user_id = keyword_subscriptions.user_id
      AND (earlier.created_at < keyword_subscriptions.created_at
           OR (earlier.created_at = keyword_subscriptions.created_at
               AND earlier.id < keyword_subscriptions.id)))
"""


def upgrade() -> None:
    op.add_column("keyword_subscriptions", sa.Column("slot", sa.Integer(), nullable=True))
    op.execute(NUMBER_IN_ORDER)
    op.execute(f"DELETE FROM keyword_subscriptions WHERE slot >= {SLOTS}")
    with op.batch_alter_table("keyword_subscriptions") as table:  # SQLite: a rebuild
        table.alter_column("slot", existing_type=sa.Integer(), nullable=False)
        table.create_unique_constraint("uq_keyword_subscriptions_user_slot", ["user_id", "slot"])
        table.create_check_constraint("keyword_slot", f"slot >= 0 AND slot < {SLOTS}")


def downgrade() -> None:
    with op.batch_alter_table("keyword_subscriptions") as table:
        table.drop_constraint("keyword_slot", type_="check")
        table.drop_constraint("uq_keyword_subscriptions_user_slot", type_="unique")
        table.drop_column("slot")
