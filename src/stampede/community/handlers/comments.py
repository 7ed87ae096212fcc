"""Writing comments: comment or reply (one level: a reply names a top-level comment of the same
post), change or delete one's own, and (admins) hide or restore one.

A post's ``comments`` counter counts its visible comments and replies; it changes in the
transaction that adds, deletes, hides or restores one. A deleted comment keeps its place (its
replies stay under it) but loses its text.
"""

from __future__ import annotations

from stampede.community.domain.access import DELETED, HIDDEN, VISIBLE, owned, seen
from stampede.community.domain.limits import COMMENTING
from stampede.community.domain.posts import MAX_REPLIES, Comment
from stampede.community.handlers.common import admin, post_for, within
from stampede.community.store import CommunityUoW
from stampede.community.store.shared import post_scope
from stampede.kernel.auth import Principal
from stampede.kernel.errors import Conflict, NotFound, Unprocessable
from stampede.kernel.sqltypes import new_id


async def add_comment(
    uow: CommunityUoW, user: Principal, post_id: str, body: str, parent_id: str | None
) -> str:
    """The new comment's id; 429 past the commenting rate, 404 for a post or parent the
    caller cannot see, 422 ``reply-to-reply``, 409 ``thread-full``."""
    await within(uow.runtime.store, COMMENTING, user.user_id)
    now = uow.runtime.now()
    async with uow:
        post = await post_for(uow, user, post_id, lock=True)
        if parent_id is not None:
            await _check_parent(uow, user, post.id, parent_id)
        comment = Comment(new_id(), post.id, parent_id, user.user_id, body, VISIBLE, now, now)
        await uow.comments.add(comment)
        await uow.posts.bump(post.id, "comments", 1)
        uow.changed(post_scope(post.id))
        await uow.commit()
    return comment.id


async def _check_parent(uow: CommunityUoW, user: Principal, post_id: str, parent_id: str) -> None:
    parent = await uow.comments.get(parent_id)
    if parent is None or parent.post_id != post_id:
        raise NotFound("no such comment on this post", slug="no-comment")
    seen(parent.state, admin(user), "comment")
    if parent.parent_id is not None:
        raise Unprocessable("a reply answers a top-level comment", slug="reply-to-reply")
    if await uow.comments.reply_count(parent_id) >= MAX_REPLIES:
        raise Conflict(f"a comment takes at most {MAX_REPLIES} replies", slug="thread-full")


async def _comment_for(uow: CommunityUoW, user: Principal, comment_id: str) -> Comment:
    """The comment (locked) when the caller may see it and its post; 404 otherwise."""
    comment = await uow.comments.get(comment_id, lock=True)
    seen(None if comment is None else comment.state, admin(user), "comment")
    assert comment is not None
    await post_for(uow, user, comment.post_id)
    return comment


async def edit_comment(uow: CommunityUoW, user: Principal, comment_id: str, body: str) -> str:
    """Change the caller's own comment (403 ``not-yours`` otherwise); its post's id."""
    async with uow:
        comment = await _comment_for(uow, user, comment_id)
        owned(comment.author_id, user.user_id, "comment")
        await uow.comments.change(comment_id, body, uow.runtime.now())
        uow.changed(post_scope(comment.post_id))
        await uow.commit()
    return comment.post_id


async def delete_comment(uow: CommunityUoW, user: Principal, comment_id: str) -> None:
    """Delete the caller's own comment (403 otherwise); its replies stay."""
    async with uow:
        comment = await _comment_for(uow, user, comment_id)
        owned(comment.author_id, user.user_id, "comment")
        await uow.comments.move(comment_id, comment.state, DELETED, uow.runtime.now())
        if comment.state == VISIBLE:
            await uow.posts.bump(comment.post_id, "comments", -1)
        uow.changed(post_scope(comment.post_id))
        await uow.commit()


async def moderate_comment(uow: CommunityUoW, user: Principal, comment_id: str, hide: bool) -> str:
    """Hide (or restore) a comment; again is no change. Its post's id."""
    source, target = (VISIBLE, HIDDEN) if hide else (HIDDEN, VISIBLE)
    async with uow:
        comment = await _comment_for(uow, user, comment_id)
        if await uow.comments.move(comment_id, source, target, uow.runtime.now()):
            await uow.posts.bump(comment.post_id, "comments", -1 if hide else 1)
            uow.changed(post_scope(comment.post_id))
            await uow.commit()
    return comment.post_id
