"""Shops as anyone may see them: where a company's phones can be bought."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from stampede.catalog.store import CatalogUoW, Shop
from stampede.kernel.errors import NotFound


class ShopView(BaseModel):
    id: str
    company_id: str | None
    name: str
    address: str
    region: str
    created_at: datetime
    updated_at: datetime


class ShopPage(BaseModel):
    items: list[ShopView]
    limit: int
    offset: int


def to_shop(shop: Shop) -> ShopView:
    return ShopView.model_validate(shop, from_attributes=True)


async def shop(uow: CatalogUoW, shop_id: str) -> ShopView:
    async with uow:
        found = await uow.shops.get(shop_id)
        if found is None:
            raise NotFound("no such shop", slug="shop-not-found")
        return to_shop(found)


async def shops(uow: CatalogUoW, company_id: str | None, limit: int, offset: int) -> ShopPage:
    """Oldest first; one company's when ``company_id`` is given."""
    async with uow:
        rows = await uow.shops.listed(company_id, limit, offset)
        return ShopPage(items=[to_shop(s) for s in rows], limit=limit, offset=offset)
