"""What the write paths share: finding what the caller may see, and the rate limits."""

from __future__ import annotations

import math

from stampede.community.domain.access import is_admin, seen
from stampede.community.domain.boards import Board
from stampede.community.domain.limits import VIEW_DEBOUNCE_S, Rate
from stampede.community.domain.posts import Post
from stampede.community.store import CommunityUoW
from stampede.kernel.auth import Principal
from stampede.kernel.errors import NotFound, TooManyRequests
from stampede.kernel.store import Store


def admin(user: Principal | None) -> bool:
    return is_admin(None if user is None else user.roles)


async def board_of(uow: CommunityUoW, slug: str) -> Board:
    """The board; 404 ``no-board`` when there is none."""
    board = await uow.boards.get(slug)
    if board is None:
        raise NotFound("no such board", slug="no-board")
    return board


async def post_for(
    uow: CommunityUoW, user: Principal | None, post_id: str, *, lock: bool = False
) -> Post:
    """The post as the caller may see it: 404 ``no-post`` when missing, or hidden from a
    non-admin."""
    post = await uow.posts.get(post_id, lock=lock)
    seen(None if post is None else post.state, admin(user), "post")
    assert post is not None
    return post


async def within(store: Store, rate: Rate, user_id: str) -> None:
    """Count one write of ``rate.action`` by the member; 429 ``<action>-too-fast`` with
    ``Retry-After`` once they made more than the limit in the current window."""
    key = f"community:rate:{rate.action}:{user_id}"
    if await store.incr(key, rate.window_s) <= rate.limit:
        return
    remaining = await store.ttl(key)
    raise TooManyRequests(
        f"at most {rate.limit} per {rate.window_s} seconds",
        retry_after=max(1, math.ceil(remaining if remaining is not None else rate.window_s)),
        slug=f"{rate.action}-too-fast",
    )


async def first_view(store: Store, post_id: str, viewer: str) -> bool:
    """True at a reader's first read of the post in :data:`VIEW_DEBOUNCE_S`."""
    key = f"community:viewed:{post_id}:{viewer}"
    return await store.set_if_absent(key, "1", VIEW_DEBOUNCE_S)
