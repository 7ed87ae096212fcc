"""SQL over boards and the copy of members' names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime

import sqlalchemy as sa

from stampede.community.domain.boards import Board
from stampede.community.store.base import insert_once
from stampede.community.store.tables import boards, members
from stampede.kernel.db import Repository


class Boards(Repository):
    async def all(self) -> list[Board]:
        query = sa.select(boards).order_by(boards.c.position, boards.c.slug)
        return [Board(**row._mapping) for row in await self.session.execute(query)]

    async def get(self, slug: str) -> Board | None:
        row = (await self.session.execute(sa.select(boards).where(boards.c.slug == slug))).first()
        return None if row is None else Board(**row._mapping)

    async def add(self, board: Board) -> bool:
        """False when the slug is taken (also by a concurrent request)."""
        return await insert_once(self.session, boards, asdict(board))

    async def next_position(self) -> int:
        highest = await self.session.scalar(sa.select(sa.func.max(boards.c.position)))
        return int(highest or 0) + 1


class Members(Repository):
    async def remember(self, user_id: str, name: str, at: datetime) -> None:
        """Record or rename a member (their newest name wins)."""
        insert = self.insert(members)
        statement = insert.values(user_id=user_id, name=name, registered_at=at)
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=["user_id"], set_={"name": name})
        )

    async def first_named(self, names: Sequence[str]) -> dict[str, str]:
        """For each name, the id of the first member registered under it (if any)."""
        query = (
            sa.select(members.c.name, members.c.user_id)
            .where(members.c.name.in_(names))
            .order_by(members.c.registered_at.desc(), members.c.user_id.desc())
        )
        return {row.name: row.user_id for row in await self.session.execute(query)}
