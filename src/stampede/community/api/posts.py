"""Posts: guests read a board's posts and one post; members write (401 for guests), change or
delete their own (403 for anyone else's); admins hide and restore."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Path, Query, Request, Response

from stampede.community import handlers
from stampede.community.api.bodies import PostCreate, PostPatch
from stampede.community.api.common import (
    DEFAULT_LIMIT,
    Cursor,
    Limit,
    P,
    UowDep,
    community_router,
    json_answer,
    shared_answer,
    viewer,
)
from stampede.community.domain.posts import SEARCH_MAX
from stampede.community.store.shared import board_scope
from stampede.community.views import reads
from stampede.community.views.models import PostDetail, PostPage
from stampede.kernel.auth import AdminUser, CurrentUser, OptionalUser

router = community_router()
BoardSlug = Annotated[str, Path(max_length=30)]
Search = Annotated[str | None, Query(max_length=SEARCH_MAX, pattern=r"^[^\x00]*$")]


@router.get(f"{P}/boards/{{board}}/posts", response_model=PostPage)
async def board_posts(
    board: BoardSlug,
    user: OptionalUser,
    uow: UowDep,
    q: Search = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Response:
    """The board's posts, newest first; ``q`` keeps those whose title or body hold every word
    (Korean or English, any case). 404 ``no-board``."""
    where = (("posts", board, q, cursor, limit), (board_scope(board),))
    return await shared_answer(
        uow, user, where, lambda: reads.posts(uow, user, board, q, (cursor, limit))
    )


@router.post(f"{P}/boards/{{board}}/posts", status_code=201)
async def write_post(
    board: BoardSlug, body: PostCreate, user: CurrentUser, uow: UowDep
) -> PostDetail:
    """A new post (price boards: ``item`` and ``price`` required); 429 past 10 a minute."""
    post_id = await handlers.create_post(uow, user, board, body.model_dump())
    return await reads.post(uow, user, post_id)


@router.get(f"{P}/posts/{{post_id}}", response_model=PostDetail)
async def read_post(
    post_id: uuid.UUID, request: Request, user: OptionalUser, uow: UowDep
) -> Response:
    """One post; a reader other than its author adds a view (once per reader per 10 min)."""
    post = await reads.shared_post(uow, user, str(post_id))
    reader = viewer(request, None if user is None else user.user_id)
    if reader != post.author.id and await handlers.first_view(uow.runtime.store, post.id, reader):
        views = handlers.count_view(uow.runtime, post.id, post.views)
    else:
        views = post.views + handlers.waiting_views(uow.runtime, post.id)
    return json_answer(post.model_copy(update={"views": views}))


@router.patch(f"{P}/posts/{{post_id}}")
async def change_post(
    post_id: uuid.UUID, body: PostPatch, user: CurrentUser, uow: UowDep
) -> PostDetail:
    """The author's own post only (403 ``not-yours``)."""
    await handlers.update_post(uow, user, str(post_id), body.model_dump(exclude_unset=True))
    return await reads.post(uow, user, str(post_id))


@router.delete(f"{P}/posts/{{post_id}}", status_code=204)
async def delete_post(post_id: uuid.UUID, user: CurrentUser, uow: UowDep) -> None:
    """The author's own post only, with its comments, likes and photo."""
    await handlers.delete_post(uow, user, str(post_id))


@router.post(f"{P}/posts/{{post_id}}/hide")
async def hide_post(post_id: uuid.UUID, admin: AdminUser, uow: UowDep) -> PostDetail:
    """Admins only: the post disappears for everyone else."""
    await handlers.moderate_post(uow, admin, str(post_id), hide=True)
    return await reads.post(uow, admin, str(post_id))


@router.post(f"{P}/posts/{{post_id}}/restore")
async def restore_post(post_id: uuid.UUID, admin: AdminUser, uow: UowDep) -> PostDetail:
    await handlers.moderate_post(uow, admin, str(post_id), hide=False)
    return await reads.post(uow, admin, str(post_id))
