"""Who may do what with listings and shops.

Admins manage everything. A business manages what belongs to its approved companies (the
catalog's copies whose ``owner_id`` is the caller). Anything a caller may not manage answers
404, the same as an id that does not exist, so ids of other companies' data reveal nothing.
A device belongs to the company of its shop.
"""

from __future__ import annotations

import uuid

from stampede.catalog.domain.listings import Kind, Status
from stampede.catalog.store import CatalogUoW, Listing, Shop
from stampede.kernel.auth import Principal
from stampede.kernel.errors import Forbidden, NotFound, Unprocessable

ADMIN = "admin"
BUSINESS = "business"


def is_admin(actor: Principal) -> bool:
    return actor.has(ADMIN)


async def own_companies(uow: CatalogUoW, actor: Principal) -> list[str]:
    """Ids of the caller's approved companies, the first approved first."""
    return [c.id for c in await uow.companies.owned_by(actor.user_id)]


async def selling_company(uow: CatalogUoW, actor: Principal, kind: str) -> str | None:
    """The company a new listing of ``kind`` is sold by: none for an admin, the caller's first
    approved company for a business. 403 for customers, for cars (admin only) and for a
    business whose company the catalog has not seen approved."""
    if is_admin(actor):
        return None
    if not actor.has(BUSINESS):
        raise Forbidden("only businesses and admins create listings", slug="role-required")
    if kind == Kind.CAR:
        raise Forbidden("only admins list rental cars", slug="role-required")
    companies = await own_companies(uow, actor)
    if not companies:
        raise Forbidden("approve a company first", slug="company-required")
    return companies[0]


async def managed_listing(uow: CatalogUoW, actor: Principal, listing_id: str) -> Listing:
    """The listing, locked for change, if the caller manages it; 404 otherwise (also when it
    is deleted and the caller is not an admin)."""
    listing = await uow.listings.get(listing_id, for_update=True)
    if listing is None or not await may_manage(uow, actor, listing.company_id):
        raise NotFound("no such listing", slug="listing-not-found")
    if listing.status == Status.DELETED and not is_admin(actor):
        raise NotFound("no such listing", slug="listing-not-found")
    return listing


async def may_manage(uow: CatalogUoW, actor: Principal | None, company_id: str | None) -> bool:
    if actor is None:
        return False
    if is_admin(actor):
        return True
    return company_id is not None and company_id in await own_companies(uow, actor)


async def device_shop(
    uow: CatalogUoW, shop_id: str, company_id: str | None, any_shop: bool
) -> Shop:
    """The shop a device is sold at: it must exist and, unless ``any_shop``, belong to
    ``company_id``; 422 ``unknown-shop`` otherwise."""
    shop = await uow.shops.get(shop_id) if _is_uuid(shop_id) else None
    if shop is None or (not any_shop and shop.company_id != company_id):
        raise Unprocessable(
            "no such shop of yours",
            slug="unknown-shop",
            errors=[{"loc": ["body", "shop_id"], "msg": "no such shop", "type": "unknown_shop"}],
        )
    return shop


async def known_company(uow: CatalogUoW, company_id: str | None) -> None:
    """422 ``unknown-company`` unless ``company_id`` is None or an approved company."""
    if company_id is None:
        return
    if not _is_uuid(company_id) or await uow.companies.get(company_id) is None:
        raise Unprocessable("no such approved company", slug="unknown-company")


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
