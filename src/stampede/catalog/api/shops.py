"""Shop routes: businesses (and admins) create and change shops; anyone may list them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from stampede.catalog import handlers, views
from stampede.catalog.api.bodies import ShopIn, ShopPatch
from stampede.catalog.api.listings import P, UowDep
from stampede.catalog.views import ShopPage, ShopView
from stampede.kernel.auth import CurrentUser

router = APIRouter(tags=["catalog"])


@router.post(f"{P}/shops", status_code=201)
async def create_shop(body: ShopIn, user: CurrentUser, uow: UowDep) -> ShopView:
    company_id = None if body.company_id is None else str(body.company_id)
    fields = body.model_dump(include={"name", "address", "region"})
    shop_id = await handlers.create_shop(uow, user, fields, company_id)
    return await views.shop(uow, shop_id)


@router.get(f"{P}/shops")
async def list_shops(
    uow: UowDep,
    company_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ShopPage:
    company = None if company_id is None else str(company_id)
    return await views.shops(uow, company, limit, offset)


@router.get(f"{P}/shops/{{shop_id}}")
async def get_shop(shop_id: uuid.UUID, uow: UowDep) -> ShopView:
    return await views.shop(uow, str(shop_id))


@router.patch(f"{P}/shops/{{shop_id}}")
async def update_shop(
    shop_id: uuid.UUID, body: ShopPatch, user: CurrentUser, uow: UowDep
) -> ShopView:
    await handlers.update_shop(uow, user, str(shop_id), body.model_dump(exclude_unset=True))
    return await views.shop(uow, str(shop_id))
