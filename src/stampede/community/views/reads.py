"""What members and guests read: boards, a board's posts, one post, a post's comments, and
(admins) the reports.

Lists are keyset pages (``next_cursor``, at most :data:`MAX_PAGE` rows); a post's page of
comments costs three statements however many replies it has. Hidden posts and comments exist
only for admins; a deleted comment keeps its place without its text.
"""

from __future__ import annotations

from dataclasses import asdict

from stampede.community.domain.access import DELETED, VISIBLE, is_admin, seen
from stampede.community.domain.posts import Comment, search_terms
from stampede.community.domain.render import to_html
from stampede.community.store import CommunityUoW
from stampede.community.store.shared import post_key, post_scope, shared_reads
from stampede.community.views import cursors
from stampede.community.views.models import (
    MAX_PAGE,
    Author,
    BoardView,
    CommentPage,
    CommentView,
    Mine,
    PostDetail,
    PostPage,
    PostSummary,
    ReportEntry,
    ReportPage,
    board_view,
    post_detail,
    post_summary,
)
from stampede.kernel.auth import Principal
from stampede.kernel.errors import NotFound


def _admin(user: Principal | None) -> bool:
    return is_admin(None if user is None else user.roles)


async def boards(uow: CommunityUoW) -> list[BoardView]:
    async with uow.reading():
        return [board_view(board) for board in await uow.boards.all()]


async def posts(
    uow: CommunityUoW,
    user: Principal | None,
    slug: str,
    q: str | None,
    page: tuple[str | None, int],
) -> PostPage:
    """The board's posts, newest first, whose title or body hold every word of ``q``."""
    cursor, limit = page
    before, limit = cursors.decode(cursor), max(1, min(limit, MAX_PAGE))
    async with uow.reading():
        board = await uow.boards.get(slug)
        if board is None:
            raise NotFound("no such board", slug="no-board")
        found = await uow.posts.page(slug, search_terms(q), before, limit + 1, hidden=_admin(user))
    shown = found[:limit]
    last = cursors.encode(shown[-1].created_at, shown[-1].id) if len(found) > limit else None
    items = [PostSummary.model_validate(post_summary(post)) for post in shown]
    return PostPage(board=board_view(board), items=items, next_cursor=last)


async def post(uow: CommunityUoW, user: Principal | None, post_id: str) -> PostDetail:
    """One post with its text as HTML and, for a member, what they gave it; 404 ``no-post``
    when missing or hidden from the caller."""
    async with uow.reading():
        found = await uow.posts.get(post_id)
        seen(None if found is None else found.state, _admin(user), "post")
        assert found is not None
        mine = None
        if user is not None:
            given = await uow.reactions.mine(post_id, user.user_id)
            mine = Mine(
                liked=given["likes"], confirmed=given["confirms"], reported=given["reported"]
            )
    return post_detail(found, _admin(user), mine)


async def shared_post(uow: CommunityUoW, user: Principal | None, post_id: str) -> PostDetail:
    """The post as :func:`post` gives it; what every non-admin sees of it is kept a moment
    (see :mod:`stampede.community.store.shared`), and the caller's own marks added."""
    if _admin(user):
        return await post(uow, user, post_id)
    keep = shared_reads(uow.runtime)
    found = await keep.get(
        post_key(post_id), (post_scope(post_id),), lambda: post(uow, None, post_id)
    )
    if user is None:
        return found
    async with uow.reading():
        given = await uow.reactions.mine(post_id, user.user_id)
    mine = Mine(liked=given["likes"], confirmed=given["confirms"], reported=given["reported"])
    return found.model_copy(update={"mine": mine})


async def image(uow: CommunityUoW, user: Principal | None, post_id: str) -> tuple[str, bytes, bool]:
    """The post's photo (media type, bytes) and whether its post is public; 404 ``no-post``
    or ``no-image``."""
    async with uow.reading():
        found = await uow.posts.get(post_id)
        seen(None if found is None else found.state, _admin(user), "post")
        assert found is not None
        stored = await uow.posts.image(post_id)
    if stored is None:
        raise NotFound("this post has no photo", slug="no-image")
    return stored[0], stored[1], found.state == VISIBLE


def comment_view(
    comment: Comment, admin: bool, replies: list[CommentView] | None = None
) -> CommentView:
    """The comment as the caller may see it: without text or author once deleted, and
    without text when hidden from a non-admin."""
    readable = comment.state == VISIBLE or (admin and comment.state != DELETED)
    author = (
        None if comment.state == DELETED else Author(id=comment.author_id, name=comment.author_name)
    )
    body = comment.body if readable else ""
    return CommentView(
        id=comment.id, post_id=comment.post_id, parent_id=comment.parent_id, author=author,
        body=body, body_html=to_html(body), state=comment.state, created_at=comment.created_at,
        updated_at=comment.updated_at, replies=replies or [],
    )  # fmt: skip


async def comments(
    uow: CommunityUoW, user: Principal | None, post_id: str, page: tuple[str | None, int]
) -> CommentPage:
    """The post's top-level comments, oldest first, each with all its replies."""
    cursor, limit = page
    after, limit, admin = cursors.decode(cursor), max(1, min(limit, MAX_PAGE)), _admin(user)
    async with uow.reading():
        found = await uow.posts.get(post_id)
        seen(None if found is None else found.state, admin, "post")
        threads = await uow.comments.threads(post_id, after, limit + 1)
        shown = threads[:limit]
        replies = await uow.comments.replies([c.id for c in shown])
    under: dict[str, list[CommentView]] = {}
    for reply in replies:
        under.setdefault(reply.parent_id or "", []).append(comment_view(reply, admin))
    items = [comment_view(c, admin, under.get(c.id)) for c in shown]
    last = cursors.encode(shown[-1].created_at, shown[-1].id) if len(threads) > limit else None
    return CommentPage(post_id=post_id, items=items, next_cursor=last)


async def comment(uow: CommunityUoW, user: Principal | None, comment_id: str) -> CommentView:
    async with uow.reading():
        found = await uow.comments.get(comment_id)
        seen(None if found is None else found.state, _admin(user), "comment")
        assert found is not None
    return comment_view(found, _admin(user))


async def reports(uow: CommunityUoW, page: tuple[str | None, int]) -> ReportPage:
    """Every report, newest first (for admins: the route checks the role)."""
    cursor, limit = page
    before, limit = cursors.decode(cursor), max(1, min(limit, MAX_PAGE))
    async with uow.reading():
        found = await uow.reactions.reports(before, limit + 1)
    shown = found[:limit]
    items = [ReportEntry.model_validate(asdict(r) | {"reporter_id": r.user_id}) for r in shown]
    last = cursors.encode(shown[-1].created_at, shown[-1].id) if len(found) > limit else None
    return ReportPage(items=items, next_cursor=last)
