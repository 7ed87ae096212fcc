"""Catalog's core tables: companies (copy), shops, listings, sessions, seats, device units, and
the search index (SQLite: FTS5 trigram table plus triggers; PostgreSQL: pg_trgm GIN index).

Revision ID: catalog_0001

Note for later revisions: do not rebuild ``listings`` with a batch ("move and copy") migration
on SQLite; that drops the search triggers. ``op.add_column`` works without a rebuild.
"""

import sqlalchemy as sa
from alembic import op

from stampede.kernel.sqltypes import UtcDateTime, Uuid

revision = "catalog_0001"
down_revision = None
branch_labels = ("catalog",)
depends_on = None

KINDS = "kind IN ('deal', 'performance', 'device', 'car')"
WINDOWED = "kind NOT IN ('deal', 'performance') OR (opens_at IS NOT NULL AND closes_at IS NOT NULL)"
STATES = "status IN ('draft', 'scheduled', 'open', 'closed', 'published', 'unpublished', 'deleted')"
UNIT_STATES = "status IN ('available', 'held', 'sold', 'unavailable')"


def upgrade() -> None:
    _companies_and_shops()
    _listings()
    _performances()
    _device_units()
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_search()
    else:
        _postgresql_search()


def _companies_and_shops() -> None:
    op.create_table(
        "companies",
        sa.Column("id", Uuid(), primary_key=True),
        sa.Column("owner_id", Uuid(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("contact_email", sa.String(254), nullable=False),
        sa.Column("contact_phone", sa.String(20), nullable=False),
        sa.Column("approved_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_companies_owner_id", "companies", ["owner_id"])
    op.create_table(
        "shops",
        sa.Column("id", Uuid(), primary_key=True),
        sa.Column("company_id", Uuid(), sa.ForeignKey("companies.id"), nullable=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("region", sa.String(50), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_shops_company_id", "shops", ["company_id"])


def _listings() -> None:
    op.create_table(
        "listings",
        sa.Column("id", Uuid(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("company_id", Uuid(), sa.ForeignKey("companies.id"), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("price", sa.Integer, nullable=False),
        sa.Column("deal_price", sa.Integer, nullable=True),
        sa.Column("images", sa.JSON, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("opens_at", UtcDateTime(), nullable=True),
        sa.Column("closes_at", UtcDateTime(), nullable=True),
        sa.Column("external_id", sa.String(80), nullable=True, unique=True),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        *_listing_checks(),
    )
    _listing_indexes()


def _listing_checks() -> list[sa.CheckConstraint]:
    return [
        sa.CheckConstraint(KINDS, name="kind"),
        sa.CheckConstraint(STATES, name="status"),
        sa.CheckConstraint("price >= 0", name="price"),
        sa.CheckConstraint("deal_price IS NULL OR deal_price >= 0", name="deal_price"),
        sa.CheckConstraint("deal_price IS NULL OR deal_price <= price", name="discount"),
        sa.CheckConstraint(
            "opens_at IS NULL OR closes_at IS NULL OR closes_at > opens_at", name="window"
        ),
        sa.CheckConstraint(WINDOWED, name="windowed"),
        sa.CheckConstraint("version >= 1", name="version"),
    ]


def _listing_indexes() -> None:
    """One index per list order (window and newest), plus owner and category lookups."""
    op.create_index("ix_listings_status_opens_at", "listings", ["status", "opens_at", "id"])
    op.create_index("ix_listings_status_created_at", "listings", ["status", "created_at", "id"])
    op.create_index("ix_listings_company_id", "listings", ["company_id", "created_at"])
    op.create_index("ix_listings_category_status", "listings", ["category", "status"])
    op.create_index("ix_listings_updated_at", "listings", ["updated_at", "version"])


def _performances() -> None:
    op.create_table(
        "performance_sessions",
        sa.Column("id", Uuid(), primary_key=True),
        sa.Column("listing_id", Uuid(), sa.ForeignKey("listings.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("starts_at", UtcDateTime(), nullable=False),
        sa.Column("seat_map", sa.JSON, nullable=False),
    )
    op.create_index("ix_performance_sessions_listing_id", "performance_sessions", ["listing_id"])
    op.create_table(
        "seats",
        sa.Column("id", Uuid(), primary_key=True),
        sa.Column("session_id", Uuid(), sa.ForeignKey("performance_sessions.id"), nullable=False),
        sa.Column("label", sa.String(60), nullable=False),
        sa.Column("section", sa.String(30), nullable=False),
        sa.Column("row", sa.String(10), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("grade", sa.String(10), nullable=False),
        sa.Column("price", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.UniqueConstraint("session_id", "label", name="uq_seats_session_id"),
        sa.CheckConstraint("price >= 0", name="price"),
        sa.CheckConstraint("number >= 1", name="number"),
    )


def _device_units() -> None:
    op.create_table(
        "device_units",
        sa.Column("id", Uuid(), primary_key=True),
        sa.Column("listing_id", Uuid(), sa.ForeignKey("listings.id"), nullable=False),
        sa.Column("shop_id", Uuid(), sa.ForeignKey("shops.id"), nullable=False),
        sa.Column("serial", sa.String(40), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.CheckConstraint(UNIT_STATES, name="status"),
    )
    op.create_index("ix_device_units_listing_id", "device_units", ["listing_id", "status"])


SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE listing_search USING fts5("
    "listing_id UNINDEXED, search_text, tokenize='trigram')",
    "CREATE TRIGGER listings_search_insert AFTER INSERT ON listings BEGIN "
    "INSERT INTO listing_search (listing_id, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER listings_search_update AFTER UPDATE OF search_text ON listings "
    "WHEN old.search_text IS NOT new.search_text BEGIN "
    "DELETE FROM listing_search WHERE listing_id = old.id; "
    "INSERT INTO listing_search (listing_id, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER listings_search_delete AFTER DELETE ON listings BEGIN "
    "DELETE FROM listing_search WHERE listing_id = old.id; END",
]


def _sqlite_search() -> None:
    for statement in SQLITE_SEARCH:
        op.execute(statement)


def _postgresql_search() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        "CREATE INDEX ix_listings_search_text_trgm ON listings USING gin (search_text gin_trgm_ops)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS listings_search_{trigger}")
        op.execute("DROP TABLE IF EXISTS listing_search")
    for name in ("device_units", "seats", "performance_sessions", "listings", "shops"):
        op.drop_table(name)
    op.drop_table("companies")
