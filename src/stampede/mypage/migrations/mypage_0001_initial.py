"""My page: the order cards.

Revision ID: mypage_0001
"""

from stampede.kernel.migrate import create_tables, drop_tables
from stampede.mypage.store import metadata

revision = "mypage_0001"
down_revision = None
branch_labels = ("mypage",)
depends_on = None


def upgrade() -> None:
    create_tables(metadata)


def downgrade() -> None:
    drop_tables(metadata)
