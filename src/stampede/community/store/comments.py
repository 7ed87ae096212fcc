"""SQL over comments: top-level comments page by page (oldest first), each with its replies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from stampede.community.domain.posts import Comment
from stampede.community.store.base import Before, oldest_first
from stampede.community.store.tables import comments, members
from stampede.kernel.db import Repository

_AUTHOR = members.c.name.label("author_name")
_JOINED = comments.outerjoin(members, members.c.user_id == comments.c.author_id)


def _comment(row: Any) -> Comment:
    return Comment(**row._mapping)


class Comments(Repository):
    async def add(self, comment: Comment) -> None:
        values = {k: v for k, v in asdict(comment).items() if k != "author_name"}
        await self.session.execute(comments.insert().values(**values))

    async def get(self, comment_id: str, *, lock: bool = False) -> Comment | None:
        query = sa.select(comments, _AUTHOR).select_from(_JOINED).where(comments.c.id == comment_id)
        if lock:
            query = query.with_for_update(of=comments)
        row = (await self.session.execute(query)).first()
        return None if row is None else _comment(row)

    async def threads(self, post_id: str, after: Before | None, limit: int) -> list[Comment]:
        """The post's top-level comments, oldest first, after ``after``."""
        query = (
            sa.select(comments, _AUTHOR)
            .select_from(_JOINED)
            .where(comments.c.post_id == post_id, comments.c.parent_id.is_(None))
            .where(oldest_first(comments.c.created_at, comments.c.id, after))
            .order_by(comments.c.created_at, comments.c.id)
            .limit(limit)
        )
        return [_comment(row) for row in await self.session.execute(query)]

    async def replies(self, parent_ids: Sequence[str]) -> list[Comment]:
        """The replies to these comments, oldest first: one statement."""
        if not parent_ids:
            return []
        query = (
            sa.select(comments, _AUTHOR)
            .select_from(_JOINED)
            .where(comments.c.parent_id.in_(parent_ids))
            .order_by(comments.c.created_at, comments.c.id)
        )
        return [_comment(row) for row in await self.session.execute(query)]

    async def reply_count(self, parent_id: str) -> int:
        query = sa.select(sa.func.count()).where(comments.c.parent_id == parent_id)
        return int(await self.session.scalar(query) or 0)

    async def change(self, comment_id: str, body: str, at: datetime) -> None:
        await self.session.execute(
            comments.update().where(comments.c.id == comment_id).values(body=body, updated_at=at)
        )

    async def move(self, comment_id: str, source: str, target: str, at: datetime) -> bool:
        """Change the state from ``source`` to ``target`` (a deletion also drops the text);
        False when it was not ``source``."""
        values: dict[str, Any] = {"state": target, "updated_at": at}
        if target == "deleted":
            values["body"] = ""
        result = await self.session.execute(
            comments.update()
            .where(comments.c.id == comment_id, comments.c.state == source)
            .values(**values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
