"""Comments: guests read a post's comments; members comment and reply one level deep (401 for
guests), change or delete their own (403 for anyone else's); admins hide and restore."""

from __future__ import annotations

import uuid

from fastapi import Response

from stampede.community import handlers
from stampede.community.api.bodies import CommentCreate, CommentPatch
from stampede.community.api.common import (
    DEFAULT_LIMIT,
    Cursor,
    Limit,
    P,
    UowDep,
    community_router,
    shared_answer,
)
from stampede.community.store.shared import post_scope
from stampede.community.views import reads
from stampede.community.views.models import CommentPage, CommentView
from stampede.kernel.auth import AdminUser, CurrentUser, OptionalUser

router = community_router()


@router.get(f"{P}/posts/{{post_id}}/comments", response_model=CommentPage)
async def post_comments(
    post_id: uuid.UUID,
    user: OptionalUser,
    uow: UowDep,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Response:
    """Top-level comments oldest first, each with its replies; 404 ``no-post``."""
    pid = str(post_id)
    where = (("comments", pid, cursor, limit), (post_scope(pid),))
    return await shared_answer(
        uow, user, where, lambda: reads.comments(uow, user, pid, (cursor, limit))
    )


@router.post(f"{P}/posts/{{post_id}}/comments", status_code=201)
async def write_comment(
    post_id: uuid.UUID, body: CommentCreate, user: CurrentUser, uow: UowDep
) -> CommentView:
    """A comment, or a reply to a top-level comment (``parent_id``; a reply to a reply is a
    422 ``reply-to-reply``); 429 past 30 a minute."""
    parent = None if body.parent_id is None else str(body.parent_id)
    comment_id = await handlers.add_comment(uow, user, str(post_id), body.body, parent)
    return await reads.comment(uow, user, comment_id)


@router.patch(f"{P}/comments/{{comment_id}}")
async def change_comment(
    comment_id: uuid.UUID, body: CommentPatch, user: CurrentUser, uow: UowDep
) -> CommentView:
    """The author's own comment only (403 ``not-yours``)."""
    await handlers.edit_comment(uow, user, str(comment_id), body.body)
    return await reads.comment(uow, user, str(comment_id))


@router.delete(f"{P}/comments/{{comment_id}}", status_code=204)
async def delete_comment(comment_id: uuid.UUID, user: CurrentUser, uow: UowDep) -> None:
    """The author's own comment only; its replies stay under a deleted placeholder."""
    await handlers.delete_comment(uow, user, str(comment_id))


@router.post(f"{P}/comments/{{comment_id}}/hide")
async def hide_comment(comment_id: uuid.UUID, admin: AdminUser, uow: UowDep) -> CommentView:
    await handlers.moderate_comment(uow, admin, str(comment_id), hide=True)
    return await reads.comment(uow, admin, str(comment_id))


@router.post(f"{P}/comments/{{comment_id}}/restore")
async def restore_comment(comment_id: uuid.UUID, admin: AdminUser, uow: UowDep) -> CommentView:
    await handlers.moderate_comment(uow, admin, str(comment_id), hide=False)
    return await reads.comment(uow, admin, str(comment_id))
