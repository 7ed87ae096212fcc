"""SQL over likes, price confirmations and reports: one row per (post, member), kept by the
primary key, so a second (or concurrent) one adds nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from stampede.community.store.base import Before, insert_once, newest_first
from stampede.community.store.tables import confirms, likes, posts, reports
from stampede.kernel.db import Repository

TABLES = {"likes": likes, "confirms": confirms}
_MINE = sa.select(
    *(
        sa.exists()
        .where(
            table.c.post_id == sa.bindparam("post_id"), table.c.user_id == sa.bindparam("user_id")
        )
        .label(name)
        for name, table in (*TABLES.items(), ("reported", reports))
    )
)


@dataclass(frozen=True)
class Report:
    id: str
    post_id: str
    user_id: str
    kind: str
    reason: str
    created_at: datetime
    board: str
    post_title: str
    post_state: str
    post_reports: int


class Reactions(Repository):
    async def add(self, what: str, post_id: str, user_id: str, at: datetime) -> bool:
        """``what`` is ``likes`` or ``confirms``; True when this call added the member's."""
        values = {"post_id": post_id, "user_id": user_id, "created_at": at}
        return await insert_once(self.session, TABLES[what], values)

    async def remove(self, what: str, post_id: str, user_id: str) -> bool:
        """True when the member's was there to remove."""
        table = TABLES[what]
        result = await self.session.execute(
            table.delete().where(table.c.post_id == post_id, table.c.user_id == user_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def mine(self, post_id: str, user_id: str) -> dict[str, bool]:
        """Whether the member liked, confirmed and reported the post (one statement)."""
        row = (await self.session.execute(_MINE, {"post_id": post_id, "user_id": user_id})).one()
        return {name: bool(given) for name, given in row._mapping.items()}

    async def report(self, values: dict[str, Any]) -> bool:
        """True when this is the member's first report of the post."""
        return await insert_once(self.session, reports, values)

    async def reports(self, before: Before | None, limit: int) -> list[Report]:
        """Every report, newest first, with its post's board, title, state and report count."""
        query = (
            sa.select(
                reports.c.id,
                reports.c.post_id,
                reports.c.user_id,
                reports.c.kind,
                reports.c.reason,
                reports.c.created_at,
                posts.c.board,
                posts.c.title.label("post_title"),
                posts.c.state.label("post_state"),
                posts.c.reports.label("post_reports"),
            )  # fmt: skip
            .join(posts, posts.c.id == reports.c.post_id)
            .where(newest_first(reports.c.created_at, reports.c.id, before))
            .order_by(reports.c.created_at.desc(), reports.c.id.desc())
            .limit(limit)
        )
        return [Report(**row._mapping) for row in await self.session.execute(query)]
