"""Identity's tables, their repositories and the unit of work that holds them.

All of identity's SQL is here. The database enforces the invariants the code also checks:
unique (lowercased) e-mail, one pending application per owner, one live application per
registration number, and the allowed status and locale values. Rows about to change are read
``FOR UPDATE`` (a no-op on SQLite, where transactions are serialised anyway).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Self

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, or_, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from stampede.kernel.db import Repository, UnitOfWork
from stampede.kernel.errors import Conflict
from stampede.kernel.messages import now
from stampede.kernel.module import Runtime
from stampede.kernel.sqltypes import UtcDateTime, Uuid, context_metadata, new_id


class Base(DeclarativeBase):
    metadata = context_metadata()


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[str] = mapped_column(Uuid(), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(50))
    roles: Mapped[list[str]] = mapped_column(JSON)
    locale: Mapped[str] = mapped_column(String(2), default="ko")
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    default_address: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now, onupdate=now)


class EmailVerification(Base):
    __tablename__ = "email_verifications"
    id: Mapped[str] = mapped_column(Uuid(), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(Uuid(), ForeignKey("accounts.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)


class RefreshTokenRow(Base):
    __tablename__ = "refresh_tokens"
    id: Mapped[str] = mapped_column(Uuid(), primary_key=True)
    family_id: Mapped[str] = mapped_column(Uuid(), index=True)
    account_id: Mapped[str] = mapped_column(Uuid(), ForeignKey("accounts.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)


class Company(Base):
    __tablename__ = "companies"
    id: Mapped[str] = mapped_column(Uuid(), primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(Uuid(), ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    registration_number: Mapped[str] = mapped_column(String(10))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class SigningKeyRow(Base):
    __tablename__ = "signing_keys"
    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_pem: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    signs_from: Mapped[datetime] = mapped_column(UtcDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class Accounts(Repository):
    async def get(self, account_id: str, *, for_update: bool = False) -> Account | None:
        query = select(Account).where(Account.id == account_id)
        return await self.session.scalar(query.with_for_update() if for_update else query)

    async def by_email(self, email: str) -> Account | None:
        return await self.session.scalar(select(Account).where(Account.email == email))

    async def add(self, account: Account) -> None:
        """Insert; 409 ``email-taken`` when the address is registered already."""
        self.session.add(account)
        await self.flush_or_conflict(
            {"email": Conflict("this e-mail address is already registered", slug="email-taken")}
        )

    async def exist(self) -> bool:
        return await self.session.scalar(select(Account.id).limit(1)) is not None


class Verifications(Repository):
    def add(self, row: EmailVerification) -> None:
        self.session.add(row)

    async def by_hash(self, token_hash: str) -> EmailVerification | None:
        query = select(EmailVerification).where(EmailVerification.token_hash == token_hash)
        return await self.session.scalar(query.with_for_update())

    async def retire_open(self, account_id: str, at: datetime) -> None:
        """Use up every unused token of the account, so only the newest one works."""
        await self.session.execute(
            update(EmailVerification)
            .where(
                EmailVerification.account_id == account_id,
                EmailVerification.used_at.is_(None),
            )
            .values(used_at=at)
        )


class RefreshTokens(Repository):
    def add(self, row: RefreshTokenRow) -> None:
        self.session.add(row)

    async def get(self, token_id: str) -> RefreshTokenRow | None:
        query = select(RefreshTokenRow).where(RefreshTokenRow.id == token_id)
        return await self.session.scalar(query.with_for_update())

    async def revoke_family(self, family_id: str, at: datetime) -> None:
        await self.session.execute(
            update(RefreshTokenRow)
            .where(
                RefreshTokenRow.family_id == family_id,
                RefreshTokenRow.revoked_at.is_(None),
            )
            .values(revoked_at=at)
        )


class Companies(Repository):
    async def add(self, company: Company) -> None:
        """Insert; 409 when the owner has a pending one or the number is taken.

        The unique indexes are named after their column so both SQLite's and PostgreSQL's
        messages tell which one was violated.
        """
        self.session.add(company)
        await self.flush_or_conflict(
            {
                "owner_id": Conflict(
                    "you already have a pending application", slug="application-pending"
                ),
                "registration_number": Conflict(
                    "this registration number is already registered",
                    slug="registration-number-taken",
                ),
            }
        )

    async def get(self, company_id: str, *, for_update: bool = False) -> Company | None:
        query = select(Company).where(Company.id == company_id)
        return await self.session.scalar(query.with_for_update() if for_update else query)

    async def listed(
        self, *, owner_id: str | None, status: str | None, limit: int, offset: int
    ) -> Sequence[Company]:
        """Newest first, optionally only one owner's and/or one status."""
        query = select(Company).order_by(Company.created_at.desc(), Company.id)
        if owner_id is not None:
            query = query.where(Company.owner_id == owner_id)
        if status is not None:
            query = query.where(Company.status == status)
        return (await self.session.scalars(query.limit(limit).offset(offset))).all()


class SigningKeys(Repository):
    def add(self, row: SigningKeyRow) -> None:
        self.session.add(row)

    async def newest_active(self, at: datetime) -> SigningKeyRow | None:
        """The key that signs at ``at``: started signing, not yet retired, newest first."""
        return await self.session.scalar(
            select(SigningKeyRow)
            .where(
                or_(SigningKeyRow.retired_at.is_(None), SigningKeyRow.retired_at > at),
                SigningKeyRow.signs_from <= at,
            )
            .order_by(SigningKeyRow.signs_from.desc(), SigningKeyRow.kid.desc())
            .limit(1)
        )

    async def published(self, retired_after: datetime) -> Sequence[SigningKeyRow]:
        """Active keys and those retired after ``retired_after``, oldest first."""
        return (
            await self.session.scalars(
                select(SigningKeyRow)
                .where(
                    or_(
                        SigningKeyRow.retired_at.is_(None),
                        SigningKeyRow.retired_at > retired_after,
                    )
                )
                .order_by(SigningKeyRow.created_at, SigningKeyRow.kid)
            )
        ).all()

    async def retire_all_but(self, kid: str, at: datetime) -> int:
        result = await self.session.execute(
            update(SigningKeyRow)
            .where(
                SigningKeyRow.kid != kid,
                SigningKeyRow.retired_at.is_(None),
            )
            .values(retired_at=at)
        )
        return int(getattr(result, "rowcount", 0) or 0)


class IdentityUoW(UnitOfWork):
    """One identity transaction; the repositories exist between ``async with`` and its end."""

    accounts: Accounts
    verifications: Verifications
    refresh_tokens: RefreshTokens
    companies: Companies
    keys: SigningKeys

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime.db)
        self.runtime = runtime

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.accounts = Accounts(self.session)
        self.verifications = Verifications(self.session)
        self.refresh_tokens = RefreshTokens(self.session)
        self.companies = Companies(self.session)
        self.keys = SigningKeys(self.session)
        return self
