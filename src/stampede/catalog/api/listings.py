"""Listing routes: browse, detail, create, change, publish, delete, categories, the caller's own.

Roles and ownership are checked by the handlers and views (403 for a wrong role, 404 for what
the caller may not see). Public lists carry a weak ETag and ``Cache-Control: public,
max-age=5``, a listing's detail a weak ETag of what its caller sees; a matching
``If-None-Match`` gets 304 without a body.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from stampede.catalog import handlers, views
from stampede.catalog.api.bodies import ListingCreate, ListingPatch
from stampede.catalog.domain.listings import Category, Kind, Status
from stampede.catalog.handlers.content import validated
from stampede.catalog.store import CatalogUoW
from stampede.catalog.views import BrowseQuery, CategoryView, ListingDetail, ListingPage
from stampede.kernel.auth import CurrentUser, OptionalUser

router = APIRouter(tags=["catalog"])
P = "/api/catalog"
LIST_CACHE = "public, max-age=5"
DETAIL_CACHE = "no-cache"  # kept, but asked again each time: stock and windows move


async def uow(request: Request) -> CatalogUoW:
    return CatalogUoW(request.app.state.runtime)


UowDep = Annotated[CatalogUoW, Depends(uow)]
Cursor = Annotated[str | None, Query(max_length=512, pattern=r"^[A-Za-z0-9_-]*$")]
Limit = Annotated[int, Query(ge=1, le=100)]
SearchText = Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00]*$")]
PublicStatus = Literal["scheduled", "open", "closed", "published"]


def if_none_match(request: Request) -> frozenset[str]:
    """The entity tags of ``If-None-Match``, without their weak prefix."""
    header = request.headers.get("if-none-match", "")
    return frozenset(t.strip().removeprefix("W/") for t in header.split(",") if t.strip())


@router.get(f"{P}/listings", response_model=ListingPage)
async def list_listings(
    request: Request,
    response: Response,
    uow: UowDep,
    kind: Kind | None = None,
    category: Category | None = None,
    q: SearchText = None,
    window: Literal["today", "week"] | None = None,
    status: PublicStatus | None = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> ListingPage | Response:
    query = BrowseQuery(
        kind=kind,
        category=category,
        q=q,
        window=window,
        status=Status(status) if status else None,
        cursor=cursor,
        limit=limit,
    )
    listed = await views.listings(uow, query, if_none_match(request))
    headers = {"ETag": listed.etag, "Cache-Control": LIST_CACHE}
    if listed.page is None:
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return listed.page


@router.get(f"{P}/listings/{{listing_id}}", response_model=ListingDetail)
async def get_listing(
    listing_id: uuid.UUID, request: Request, response: Response, user: OptionalUser, uow: UowDep
) -> ListingDetail | Response:
    """The detail with a weak ETag of what this caller sees (a manager sees more than a guest,
    hence ``Vary: Authorization``); a matching ``If-None-Match`` gets 304 without a body."""
    detail = await views.listing(uow, user, str(listing_id))
    tag = 'W/"' + hashlib.sha256(detail.model_dump_json().encode()).hexdigest()[:32] + '"'
    headers = {"ETag": tag, "Cache-Control": DETAIL_CACHE, "Vary": "Authorization"}
    if tag.removeprefix("W/") in if_none_match(request) or "*" in if_none_match(request):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return detail


@router.post(f"{P}/listings", status_code=201)
async def create_listing(body: ListingCreate, user: CurrentUser, uow: UowDep) -> ListingDetail:
    item = validated(body.model_dump(exclude={"publish"}))
    listing_id = await handlers.create_listing(uow, user, item, publish=body.publish)
    return await views.listing(uow, user, listing_id)


@router.patch(f"{P}/listings/{{listing_id}}")
async def update_listing(
    listing_id: uuid.UUID, body: ListingPatch, user: CurrentUser, uow: UowDep
) -> ListingDetail:
    changes = body.model_dump(exclude_unset=True)
    await handlers.update_listing(uow, user, str(listing_id), changes)
    return await views.listing(uow, user, str(listing_id))


@router.delete(f"{P}/listings/{{listing_id}}", status_code=204)
async def delete_listing(listing_id: uuid.UUID, user: CurrentUser, uow: UowDep) -> None:
    await handlers.delete_listing(uow, user, str(listing_id))


@router.post(f"{P}/listings/{{listing_id}}/publish")
async def publish_listing(listing_id: uuid.UUID, user: CurrentUser, uow: UowDep) -> ListingDetail:
    await handlers.publish_listing(uow, user, str(listing_id))
    return await views.listing(uow, user, str(listing_id))


@router.post(f"{P}/listings/{{listing_id}}/unpublish")
async def unpublish_listing(listing_id: uuid.UUID, user: CurrentUser, uow: UowDep) -> ListingDetail:
    await handlers.unpublish_listing(uow, user, str(listing_id))
    return await views.listing(uow, user, str(listing_id))


@router.get(f"{P}/categories")
async def list_categories(uow: UowDep, response: Response) -> list[CategoryView]:
    response.headers["Cache-Control"] = LIST_CACHE
    return await views.categories(uow)


@router.get(f"{P}/mine")
async def my_listings(
    user: CurrentUser,
    uow: UowDep,
    kind: Kind | None = None,
    status: Status | None = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> ListingPage:
    query = BrowseQuery(kind=kind, status=status, cursor=cursor, limit=limit)
    return await views.mine(uow, user, query)
