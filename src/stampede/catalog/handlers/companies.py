"""The catalog's copy of approved companies, and the shops companies sell phones at.

A business may create shops for its approved companies and change them; an admin may create
shops for any company or for none (the platform's own) and change any shop. Shops of others
answer 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stampede.catalog.handlers import access
from stampede.catalog.store import CatalogUoW, Company, Shop
from stampede.identity.contracts import CompanyApproved
from stampede.kernel.auth import Principal
from stampede.kernel.errors import Forbidden, NotFound, Unprocessable
from stampede.kernel.sqltypes import new_id

SHOP_FIELDS = ("name", "address", "region")


async def remember_company(event: CompanyApproved, uow: CatalogUoW) -> None:
    """Keep the approved company's public profile (inbox: once per event; a later approval
    event for the same id overwrites the profile and keeps the first approval time)."""
    known = await uow.companies.get(event.company_id)
    approved_at = known.approved_at if known is not None else uow.runtime.now()
    company = Company(
        id=event.company_id,
        owner_id=event.owner_id,
        name=event.name,
        contact_email=event.contact_email,
        contact_phone=event.contact_phone,
        approved_at=approved_at,
    )
    await uow.companies.put(company)


async def create_shop(
    uow: CatalogUoW, actor: Principal, fields: Mapping[str, str], company_id: str | None = None
) -> str:
    """A shop of ``company_id`` (a business: one of its companies, by default its first; an
    admin: any approved company or none). 403 without the role or an approved company; 422
    for a company that is not the caller's or not approved."""
    async with uow:
        owner = await _shop_company(uow, actor, company_id)
        shop_id = await add_shop(uow, owner, fields)
        await uow.commit()
    return shop_id


async def add_shop(uow: CatalogUoW, company_id: str | None, fields: Mapping[str, str]) -> str:
    """Insert a shop inside an open unit of work (no access checks: the importer uses it)."""
    now = uow.runtime.now()
    shop = Shop(id=new_id(), company_id=company_id, created_at=now, updated_at=now)
    _apply(shop, fields)
    await uow.shops.add(shop)
    return shop.id


async def _shop_company(uow: CatalogUoW, actor: Principal, company_id: str | None) -> str | None:
    if access.is_admin(actor):
        await access.known_company(uow, company_id)
        return company_id
    if not actor.has(access.BUSINESS):
        raise Forbidden("only businesses and admins create shops", slug="role-required")
    own = await access.own_companies(uow, actor)
    if not own:
        raise Forbidden("approve a company first", slug="company-required")
    if company_id is None:
        return own[0]
    if company_id not in own:
        raise Unprocessable("no such company of yours", slug="unknown-company")
    return company_id


async def update_shop(
    uow: CatalogUoW, actor: Principal, shop_id: str, changes: Mapping[str, Any]
) -> str:
    """Change a shop's name, address or region (owner or admin; 404 for anyone else)."""
    async with uow:
        shop = await uow.shops.get(shop_id, for_update=True)
        if shop is None or not await access.may_manage(uow, actor, shop.company_id):
            raise NotFound("no such shop", slug="shop-not-found")
        _apply(shop, changes)
        shop.updated_at = uow.runtime.now()
        await uow.commit()
    return shop_id


def _apply(shop: Shop, fields: Mapping[str, Any]) -> None:
    for name in SHOP_FIELDS:
        if fields.get(name) is not None:
            setattr(shop, name, str(fields[name]))
