"""Read side: what the API shows of accounts, companies and signing keys.

Rows are turned into DTOs inside the unit of work: leaving it without a commit rolls back,
which expires what it loaded.

Every query that takes an id checks that the viewer may see it and answers 404 otherwise, the
same as for an id that does not exist, so ids of other people's data reveal nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from stampede.identity.domain.accounts import ADMIN, Locale
from stampede.identity.domain.companies import CompanyStatus
from stampede.identity.domain.keys import published_since
from stampede.identity.store import Account, Company, IdentityUoW
from stampede.kernel.auth import Principal
from stampede.kernel.errors import NotFound
from stampede.kernel.messages import now


class Address(BaseModel):
    """A delivery address (also accepted as input, so its fields are bounded)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    recipient: str = Field(min_length=1, max_length=50)
    phone: str = Field(pattern=r"^\+?[0-9][0-9 -]{6,18}$")
    postcode: str = Field(pattern=r"^[0-9A-Za-z -]{3,10}$")
    line1: str = Field(min_length=1, max_length=200)
    line2: str = Field("", max_length=200)


class Profile(BaseModel):
    id: str
    email: str
    name: str
    roles: list[str]
    email_verified: bool
    locale: Locale
    default_address: Address | None


class CompanyView(BaseModel):
    id: str
    owner_id: str
    name: str
    registration_number: str
    contact_email: str
    contact_phone: str
    status: CompanyStatus
    reason: str | None
    created_at: datetime
    decided_at: datetime | None


class CompanyPage(BaseModel):
    items: list[CompanyView]
    limit: int
    offset: int


def to_profile(account: Account) -> Profile:
    address = account.default_address
    return Profile(
        id=account.id,
        email=account.email,
        name=account.name,
        roles=list(account.roles),
        email_verified=account.email_verified,
        locale="en" if account.locale == "en" else "ko",
        default_address=None if address is None else Address.model_validate(address),
    )


def to_company(company: Company) -> CompanyView:
    return CompanyView.model_validate(company, from_attributes=True)


async def user(uow: IdentityUoW, viewer: Principal, user_id: str) -> Profile:
    """The profile, for the user themself or an admin; 404 ``user-not-found`` otherwise."""
    if viewer.user_id != user_id and not viewer.has(ADMIN):
        raise NotFound("no such user", slug="user-not-found")
    async with uow:
        account = await uow.accounts.get(user_id)
        if account is None:
            raise NotFound("no such user", slug="user-not-found")
        return to_profile(account)


async def company(uow: IdentityUoW, viewer: Principal, company_id: str) -> CompanyView:
    """The application, for its owner or an admin; 404 ``company-not-found`` otherwise."""
    async with uow:
        found = await uow.companies.get(company_id)
        if found is None or (found.owner_id != viewer.user_id and not viewer.has(ADMIN)):
            raise NotFound("no such company", slug="company-not-found")
        return to_company(found)


async def companies(
    uow: IdentityUoW, viewer: Principal, status: CompanyStatus | None, limit: int, offset: int
) -> CompanyPage:
    """Newest first: every application for an admin, the viewer's own for anyone else."""
    owner = None if viewer.has(ADMIN) else viewer.user_id
    async with uow:
        rows = await uow.companies.listed(owner_id=owner, status=status, limit=limit, offset=offset)
        return CompanyPage(items=[to_company(c) for c in rows], limit=limit, offset=offset)


async def jwks(uow: IdentityUoW) -> dict[str, Any]:
    """The public keys that may have signed a live access token (see ``domain.keys``)."""
    since = published_since(now(), uow.runtime.settings.access_token_ttl_s)
    async with uow:
        rows = await uow.keys.published(since)
        return {"keys": [dict(row.public_jwk) for row in rows]}
