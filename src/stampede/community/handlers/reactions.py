"""Likes, price confirmations and reports of posts, once per member each.

Liking or confirming again, or taking back what was not given, changes nothing and answers the
same; the count moves by one only when a row was added or removed, in that transaction, so
concurrent likes count exactly. A price is confirmed only on a price board and not by its own
author. A second report by the same member is a 409.
"""

from __future__ import annotations

from datetime import datetime

from stampede.community.domain.posts import Post
from stampede.community.handlers.common import board_of, post_for
from stampede.community.store import CommunityUoW
from stampede.community.store.shared import post_scope
from stampede.kernel.auth import Principal
from stampede.kernel.errors import Conflict, Forbidden, Unprocessable
from stampede.kernel.sqltypes import new_id


async def react(uow: CommunityUoW, user: Principal, post_id: str, what: str, on: bool) -> int:
    """Give (``on``) or take back the member's like (``what = likes``) or price confirmation
    (``confirms``); the post's count afterwards."""
    async with uow:
        post = await post_for(uow, user, post_id)
        if what == "confirms":
            await _may_confirm(uow, user, post)
        if on:
            changed = await uow.reactions.add(what, post_id, user.user_id, uow.runtime.now())
        else:
            changed = await uow.reactions.remove(what, post_id, user.user_id)
        if not changed:
            return int(getattr(post, what))
        count = await uow.posts.bump(post_id, what, 1 if on else -1)
        uow.changed(post_scope(post_id))
        await uow.commit()
    return count


async def _may_confirm(uow: CommunityUoW, user: Principal, post: Post) -> None:
    if not (await board_of(uow, post.board)).for_prices:
        raise Unprocessable("only a price board's prices are confirmed", slug="not-a-price-board")
    if post.author_id == user.user_id:
        raise Forbidden("the author cannot confirm their own price", slug="own-post")


async def report(
    uow: CommunityUoW, user: Principal, post_id: str, kind: str, reason: str
) -> tuple[str, datetime]:
    """The new report's id and time; 409 ``already-reported`` for the member's second."""
    report_id, now = new_id(), uow.runtime.now()
    async with uow:
        await post_for(uow, user, post_id)
        values = {
            "id": report_id,
            "post_id": post_id,
            "user_id": user.user_id,
            "kind": kind,
            "reason": reason,
            "created_at": now,
        }
        if not await uow.reactions.report(values):
            raise Conflict("you reported this post already", slug="already-reported")
        await uow.posts.bump(post_id, "reports", 1)
        uow.changed(post_scope(post_id))
        await uow.commit()
    return report_id, now
