"""Writing posts: start one (rate-limited), change or delete one's own, attach a photo to a
price post, and (admins) hide or restore a post, add a board.

Every change is one transaction on the post's row (read ``FOR UPDATE`` on PostgreSQL), so an
edit and a delete of the same post never interleave. Posts announce nothing to other contexts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from stampede.community.domain import images
from stampede.community.domain.access import HIDDEN, VISIBLE, owned
from stampede.community.domain.boards import Board
from stampede.community.domain.limits import POSTING
from stampede.community.domain.posts import Post, price_fields, tags_of
from stampede.community.handlers.common import board_of, post_for, within
from stampede.community.store import CommunityUoW
from stampede.community.store.shared import BOARDS_SCOPE, board_scope, post_scope
from stampede.kernel.auth import Principal
from stampede.kernel.errors import Conflict, Unprocessable
from stampede.kernel.sqltypes import new_id

TEXT_FIELDS = ("title", "body")


async def create_post(uow: CommunityUoW, user: Principal, slug: str, given: dict[str, Any]) -> str:
    """The new post's id; 429 past the posting rate, 404 for an unknown board, 422 when the
    price fields do not fit the board."""
    await within(uow.runtime.store, POSTING, user.user_id)
    async with uow:
        post = _new_post(await board_of(uow, slug), user, given, uow.runtime.now())
        await uow.posts.add(post)
        uow.changed(board_scope(post.board))
        await uow.commit()
    return post.id


def _new_post(board: Board, user: Principal, given: dict[str, Any], now: datetime) -> Post:
    return Post(
        id=new_id(),
        board=board.slug,
        author_id=user.user_id,
        title=given["title"],
        body=given["body"],
        state=VISIBLE,
        created_at=now,
        updated_at=now,
        tags=tags_of(given.get("tags") or []),
        **price_fields(board, given, creating=True),
    )


async def update_post(
    uow: CommunityUoW, user: Principal, post_id: str, changes: dict[str, Any]
) -> None:
    """Change the caller's own post (403 ``not-yours`` for anyone else's, nothing changes)."""
    async with uow:
        post = await post_for(uow, user, post_id, lock=True)
        owned(post.author_id, user.user_id, "post")
        values = _changes(await board_of(uow, post.board), changes)
        if values:
            await uow.posts.change(post_id, values | {"updated_at": uow.runtime.now()})
            uow.changed(board_scope(post.board), post_scope(post_id))
            await uow.commit()


def _changes(board: Board, changes: dict[str, Any]) -> dict[str, Any]:
    values = {name: changes[name] for name in TEXT_FIELDS if changes.get(name) is not None}
    if changes.get("tags") is not None:
        values["tags"] = tags_of(changes["tags"])
    return values | price_fields(board, changes, creating=False)


async def delete_post(uow: CommunityUoW, user: Principal, post_id: str) -> None:
    """Delete the caller's own post with everything on it (403 for anyone else's)."""
    async with uow:
        post = await post_for(uow, user, post_id, lock=True)
        owned(post.author_id, user.user_id, "post")
        await uow.posts.remove(post_id)
        uow.changed(board_scope(post.board), post_scope(post_id))
        await uow.commit()


async def moderate_post(uow: CommunityUoW, admin: Principal, post_id: str, hide: bool) -> None:
    """Hide (or restore) a post; again is no change."""
    source, target = (VISIBLE, HIDDEN) if hide else (HIDDEN, VISIBLE)
    async with uow:
        post = await post_for(uow, admin, post_id, lock=True)
        if await uow.posts.move(post_id, source, target, uow.runtime.now()):
            uow.changed(board_scope(post.board), post_scope(post_id))
            await uow.commit()


async def put_image(uow: CommunityUoW, user: Principal, post_id: str, data: bytes) -> None:
    """Attach (or replace) the photo of the caller's own price post: 413, 415 or 422 for a
    refused image, 422 ``no-images-here`` on a free board."""
    media_type = images.checked_image(data)
    async with uow:
        post = await post_for(uow, user, post_id, lock=True)
        owned(post.author_id, user.user_id, "post")
        if not (await board_of(uow, post.board)).for_prices:
            raise Unprocessable("only price posts carry a photo", slug="no-images-here")
        await uow.posts.put_image(post_id, media_type, data, uow.runtime.now())
        uow.changed(board_scope(post.board), post_scope(post_id))
        await uow.commit()


async def drop_image(uow: CommunityUoW, user: Principal, post_id: str) -> None:
    """Remove the photo of the caller's own post (none: no change)."""
    async with uow:
        post = await post_for(uow, user, post_id, lock=True)
        owned(post.author_id, user.user_id, "post")
        await uow.posts.drop_image(post_id)
        await uow.posts.change(post_id, {"image_type": None, "updated_at": uow.runtime.now()})
        uow.changed(board_scope(post.board), post_scope(post_id))
        await uow.commit()


async def create_board(uow: CommunityUoW, given: dict[str, Any]) -> Board:
    """A new board after the others; 409 ``board-exists`` when the slug is taken."""
    async with uow:
        position = await uow.boards.next_position()
        board = Board(**given, position=position, created_at=uow.runtime.now())
        if not await uow.boards.add(board):
            raise Conflict("a board with this slug exists", slug="board-exists")
        uow.changed(BOARDS_SCOPE)
        await uow.commit()
    return board
