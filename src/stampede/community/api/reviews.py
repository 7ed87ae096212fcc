"""Reviews and star ratings: anyone reads a listing's reviews with their average; the buyer of
a completed order reviews its listing once per order (403 ``no-completed-order``, 409
``already-reviewed``), changes or deletes their own (403 for anyone else's); admins hide and
restore."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query

from stampede.community import handlers
from stampede.community.api.bodies import ReviewCreate, ReviewPatch
from stampede.community.api.common import (
    DEFAULT_LIMIT,
    Cursor,
    Limit,
    P,
    UowDep,
    community_router,
)
from stampede.community.views import reviews as views
from stampede.community.views.reviews import Reviewable, ReviewPage, ReviewView
from stampede.kernel.auth import AdminUser, CurrentUser, OptionalUser
from stampede.kernel.errors import Unprocessable

router = community_router()
ListingQuery = Annotated[uuid.UUID | None, Query()]


@router.get(f"{P}/reviews")
async def listing_reviews(
    listing_id: Annotated[uuid.UUID, Query()],
    user: OptionalUser,
    uow: UowDep,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> ReviewPage:
    """A listing's reviews, newest first, with the average stars and the count."""
    return await views.reviews(uow, user, str(listing_id), (cursor, limit))


@router.post(f"{P}/reviews", status_code=201)
async def write_review(
    body: ReviewCreate, user: CurrentUser, uow: UowDep, listing_id: ListingQuery = None
) -> ReviewView:
    """1–5 stars and a text about a listing (``listing_id`` in the body or the query) for one
    of the caller's completed orders of it (``order_id``, or the oldest not reviewed)."""
    listing = _listing(body.listing_id, listing_id)
    order = None if body.order_id is None else str(body.order_id)
    review_id = await handlers.post_review(uow, user, listing, order, (body.stars, body.body))
    return await views.review(uow, user, review_id)


def _listing(in_body: uuid.UUID | None, in_query: uuid.UUID | None) -> str:
    """The one listing named; 422 ``listing-required`` for none or two different ones."""
    named = {str(x) for x in (in_body, in_query) if x is not None}
    if len(named) != 1:
        raise Unprocessable("name the listing once (body or query)", slug="listing-required")
    return named.pop()


@router.get(f"{P}/reviewable")
async def reviewable(user: CurrentUser, uow: UowDep) -> list[Reviewable]:
    """The caller's completed orders that wait for their review."""
    return await views.reviewable(uow, user)


@router.get(f"{P}/reviews/{{review_id}}")
async def read_review(review_id: uuid.UUID, user: OptionalUser, uow: UowDep) -> ReviewView:
    return await views.review(uow, user, str(review_id))


@router.patch(f"{P}/reviews/{{review_id}}")
async def change_review(
    review_id: uuid.UUID, body: ReviewPatch, user: CurrentUser, uow: UowDep
) -> ReviewView:
    """The author's own review only (403 ``not-yours``); emits ``ReviewUpdated``."""
    await handlers.edit_review(uow, user, str(review_id), body.stars, body.body)
    return await views.review(uow, user, str(review_id))


@router.delete(f"{P}/reviews/{{review_id}}", status_code=204)
async def delete_review(review_id: uuid.UUID, user: CurrentUser, uow: UowDep) -> None:
    """The author's own review only; emits ``ReviewDeleted``. The order stays reviewed."""
    await handlers.delete_review(uow, user, str(review_id))


@router.post(f"{P}/reviews/{{review_id}}/hide")
async def hide_review(review_id: uuid.UUID, admin: AdminUser, uow: UowDep) -> ReviewView:
    """Admins only; emits ``ReviewDeleted``: the review no longer counts."""
    await handlers.moderate_review(uow, admin, str(review_id), hide=True)
    return await views.review(uow, admin, str(review_id))


@router.post(f"{P}/reviews/{{review_id}}/restore")
async def restore_review(review_id: uuid.UUID, admin: AdminUser, uow: UowDep) -> ReviewView:
    """Admins only; emits ``ReviewUpdated``: the review counts again."""
    await handlers.moderate_review(uow, admin, str(review_id), hide=False)
    return await views.review(uow, admin, str(review_id))
