"""Likes, wish list and keyword routes; every one needs a logged-in caller.

Liking twice answers the same 200; unliking always answers 204. Ids that are not UUIDs are a
422; an unknown or invisible listing, or another user's keyword subscription, is a 404.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, StringConstraints

from stampede.catalog.handlers import engagement as handlers
from stampede.catalog.store import CatalogUoW
from stampede.catalog.views import engagement as views
from stampede.catalog.views.engagement import MAX_PAGE, KeywordList, KeywordView, WishlistPage
from stampede.kernel.auth import CurrentUser

router = APIRouter(tags=["catalog"])
P = "/api/catalog"


async def uow(request: Request) -> CatalogUoW:
    return CatalogUoW(request.app.state.runtime)


UowDep = Annotated[CatalogUoW, Depends(uow)]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]


class KeywordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    keyword: Annotated[str, StringConstraints(max_length=100)]


class LikeOut(BaseModel):
    liked: bool
    likes: int


@router.post(f"{P}/listings/{{listing_id}}/like")
async def like(listing_id: uuid.UUID, user: CurrentUser, uow: UowDep) -> LikeOut:
    likes = await handlers.like(uow, user.user_id, str(listing_id))
    return LikeOut(liked=True, likes=likes)


@router.delete(f"{P}/listings/{{listing_id}}/like", status_code=204)
async def unlike(listing_id: uuid.UUID, user: CurrentUser, uow: UowDep) -> None:
    await handlers.unlike(uow, user.user_id, str(listing_id))


@router.get(f"{P}/wishlist")
async def wishlist(
    user: CurrentUser, uow: UowDep, cursor: Cursor = None, limit: Limit = 20
) -> WishlistPage:
    return await views.wishlist(uow, user.user_id, cursor, limit)


@router.get(f"{P}/keywords")
async def keywords(user: CurrentUser, uow: UowDep) -> KeywordList:
    return await views.keywords(uow, user.user_id)


@router.post(f"{P}/keywords", status_code=201)
async def subscribe(body: KeywordIn, user: CurrentUser, uow: UowDep) -> KeywordView:
    row = await handlers.subscribe_keyword(uow, user.user_id, body.keyword)
    return views.to_keyword(row)


@router.delete(f"{P}/keywords/{{subscription_id}}", status_code=204)
async def unsubscribe(subscription_id: uuid.UUID, user: CurrentUser, uow: UowDep) -> None:
    await handlers.unsubscribe_keyword(uow, user.user_id, str(subscription_id))
