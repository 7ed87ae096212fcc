"""Identity's tables: accounts, e-mail verifications, refresh tokens, companies, signing keys.

Revision ID: identity_0001
"""

import sqlalchemy as sa
from alembic import op

from stampede.kernel.sqltypes import UtcDateTime, Uuid

revision = "identity_0001"
down_revision = None
branch_labels = ("identity",)
depends_on = None


def upgrade() -> None:
    _accounts()
    _email_verifications()
    _refresh_tokens()
    _companies()
    _signing_keys()


def _accounts() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", Uuid(), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("locale", sa.String(2), nullable=False),
        sa.Column("email_verified", sa.Boolean, nullable=False),
        sa.Column("default_address", sa.JSON, nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("locale IN ('ko', 'en')", name="locale"),
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
    )


def _email_verifications() -> None:
    op.create_table(
        "email_verifications",
        sa.Column("id", Uuid(), primary_key=True),
        sa.Column("account_id", Uuid(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_email_verifications_account_id", "email_verifications", ["account_id"])


def _refresh_tokens() -> None:
    op.create_table(
        "refresh_tokens",
        sa.Column("id", Uuid(), primary_key=True),
        sa.Column("family_id", Uuid(), nullable=False),
        sa.Column("account_id", Uuid(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_refresh_tokens_family_id", "refresh_tokens", ["family_id"])
    op.create_index("ix_refresh_tokens_account_id", "refresh_tokens", ["account_id"])


def _companies() -> None:
    op.create_table(
        "companies",
        sa.Column("id", Uuid(), primary_key=True),
        sa.Column("owner_id", Uuid(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("registration_number", sa.String(10), nullable=False),
        sa.Column("contact_email", sa.String(254), nullable=False),
        sa.Column("contact_phone", sa.String(20), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
        sa.CheckConstraint("length(registration_number) = 10", name="registration_number"),
    )
    _company_indexes()


def _company_indexes() -> None:
    """One pending application per owner; a number is taken until its application is rejected."""
    op.create_index("ix_companies_owner_id", "companies", ["owner_id"])
    pending = sa.text("status = 'pending'")
    op.create_index(
        "uq_companies_pending_owner_id",
        "companies",
        ["owner_id"],
        unique=True,
        sqlite_where=pending,
        postgresql_where=pending,
    )
    live = sa.text("status <> 'rejected'")
    op.create_index(
        "uq_companies_live_registration_number",
        "companies",
        ["registration_number"],
        unique=True,
        sqlite_where=live,
        postgresql_where=live,
    )


def _signing_keys() -> None:
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(64), primary_key=True),
        sa.Column("private_pem", sa.Text, nullable=False),
        sa.Column("public_jwk", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("signs_from", UtcDateTime(), nullable=False),
        sa.Column("retired_at", UtcDateTime(), nullable=True),
    )


def downgrade() -> None:
    for table in ("signing_keys", "companies", "refresh_tokens", "email_verifications", "accounts"):
        op.drop_table(table)
