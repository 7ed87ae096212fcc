"""SQL over posts and their photos.

Counters (views, likes, confirmations, comments, reports) change by one in place (``SET n =
n + 1``), in the transaction that adds or removes what they count: concurrent likes wait for
one another's row lock on PostgreSQL and each adds its one, so a counter is always exact.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from stampede.community.domain.access import VISIBLE
from stampede.community.domain.posts import EXCERPT, Post
from stampede.community.store.base import Before, newest_first
from stampede.community.store.tables import members, post_images, posts
from stampede.kernel.db import Repository

_STORED = [f.name for f in fields(Post) if f.name != "author_name"]
_AUTHOR = members.c.name.label("author_name")
_JOINED = posts.outerjoin(members, members.c.user_id == posts.c.author_id)
_ADD_VIEWS = (
    posts.update()
    .where(posts.c.id == sa.bindparam("post_id"))
    .values(views=posts.c.views + sa.bindparam("more"))
    .returning(posts.c.views)
)


def _post(row: Any) -> Post:
    return Post(**row._mapping)


def _matching(terms: list[str]) -> list[Any]:
    """Each term in the title or the body, case-insensitively, ``%`` and ``_`` taken as is."""
    return [
        sa.or_(
            posts.c.title.icontains(t, autoescape=True), posts.c.body.icontains(t, autoescape=True)
        )
        for t in terms
    ]


class Posts(Repository):
    async def add(self, post: Post) -> None:
        values = {name: value for name, value in asdict(post).items() if name in _STORED}
        await self.session.execute(posts.insert().values(**values))

    async def any(self) -> bool:
        return await self.session.scalar(sa.select(posts.c.id).limit(1)) is not None

    async def get(self, post_id: str, *, lock: bool = False) -> Post | None:
        query = sa.select(posts, _AUTHOR).select_from(_JOINED).where(posts.c.id == post_id)
        if lock:
            query = query.with_for_update(of=posts)
        row = (await self.session.execute(query)).first()
        return None if row is None else _post(row)

    async def page(
        self, board: str, terms: list[str], before: Before | None, limit: int, *, hidden: bool
    ) -> list[Post]:
        """A board's posts newest first, after ``before``, each body cut to its excerpt's
        length; hidden ones only when ``hidden``."""
        columns = [c for c in posts.c if c.name != "body"]
        body = sa.func.substr(posts.c.body, 1, EXCERPT * 2).label("body")
        query = (
            sa.select(*columns, body, _AUTHOR)
            .select_from(_JOINED)
            .where(posts.c.board == board, newest_first(posts.c.created_at, posts.c.id, before))
            .where(*_matching(terms))
            .order_by(posts.c.created_at.desc(), posts.c.id.desc())
            .limit(limit)
        )
        if not hidden:
            query = query.where(posts.c.state == VISIBLE)
        return [_post(row) for row in await self.session.execute(query)]

    async def change(self, post_id: str, values: dict[str, Any]) -> None:
        await self.session.execute(posts.update().where(posts.c.id == post_id).values(**values))

    async def remove(self, post_id: str) -> None:
        """Delete the post with its photo, comments, likes, confirmations and reports."""
        await self.session.execute(posts.delete().where(posts.c.id == post_id))

    async def move(self, post_id: str, source: str, target: str, at: datetime) -> bool:
        """Change the state from ``source`` to ``target``; False when it was not ``source``."""
        result = await self.session.execute(
            posts.update()
            .where(posts.c.id == post_id, posts.c.state == source)
            .values(state=target, updated_at=at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def bump(self, post_id: str, counter: str, by: int) -> int:
        """Add ``by`` (±1) to one counter; its new value."""
        column = posts.c[counter]
        result = await self.session.execute(
            posts.update()
            .where(posts.c.id == post_id)
            .values({column: column + by})
            .returning(column)
        )
        return int(result.scalar_one())

    async def add_views(self, views: dict[str, int]) -> dict[str, int]:
        """Add each post's views; the posts' new counts (a deleted post is left out)."""
        totals: dict[str, int] = {}
        for post_id, more in views.items():
            result = await self.session.execute(_ADD_VIEWS, {"post_id": post_id, "more": more})
            found = result.scalar_one_or_none()
            if found is not None:
                totals[post_id] = int(found)
        return totals

    async def image(self, post_id: str) -> tuple[str, bytes] | None:
        """The photo's media type and bytes."""
        query = sa.select(post_images.c.media_type, post_images.c.data).where(
            post_images.c.post_id == post_id
        )
        row = (await self.session.execute(query)).first()
        return None if row is None else (row.media_type, bytes(row.data))

    async def put_image(self, post_id: str, media_type: str, data: bytes, at: datetime) -> None:
        """Store (or replace) the post's photo and note its type on the post."""
        await self.drop_image(post_id)
        await self.session.execute(
            post_images.insert().values(
                post_id=post_id, media_type=media_type, data=data, created_at=at
            )
        )
        await self.change(post_id, {"image_type": media_type, "updated_at": at})

    async def drop_image(self, post_id: str) -> None:
        await self.session.execute(post_images.delete().where(post_images.c.post_id == post_id))
