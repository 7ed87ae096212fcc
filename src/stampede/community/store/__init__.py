"""Community's tables (``tables``), repositories and unit of work."""

from __future__ import annotations

from typing import Self

from stampede.community.store.base import Before
from stampede.community.store.boards import Boards, Members
from stampede.community.store.comments import Comments
from stampede.community.store.posts import Posts
from stampede.community.store.reactions import Reactions, Report
from stampede.community.store.reviews import CompletedOrders, Reviews
from stampede.community.store.shared import shared_reads
from stampede.community.store.tables import metadata
from stampede.kernel.db import UnitOfWork
from stampede.kernel.module import Runtime

__all__ = ["Before", "CommunityUoW", "Report", "metadata"]


class CommunityUoW(UnitOfWork):
    boards: Boards
    members: Members
    posts: Posts
    comments: Comments
    reactions: Reactions
    reviews: Reviews
    orders: CompletedOrders

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime.db)
        self.runtime = runtime
        self._changed: set[str] = set()

    def changed(self, *scopes: str) -> None:
        """Kept answers of ``scopes`` (see :mod:`.shared`) are dropped once this unit commits."""
        self._changed.update(scopes)

    async def commit(self) -> None:
        await super().commit()
        shared_reads(self.runtime).touch(*self._changed)
        self._changed.clear()

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self._changed.clear()
        self.boards = Boards(self.session)
        self.members = Members(self.session)
        self.posts = Posts(self.session)
        self.comments = Comments(self.session)
        self.reactions = Reactions(self.session)
        self.reviews = Reviews(self.session)
        self.orders = CompletedOrders(self.session)
        return self
