"""View counts: counted at once in this process, written to the posts a second later together.

A crowd reading posts would otherwise make every first read a write transaction, and on SQLite
every reader would queue behind the one writer. A view waits in :class:`ViewCounts` (shown
at once: the post's stored count plus the views waiting for it) and :func:`write_views` adds
all waiting views to their posts in one transaction every :data:`FLUSH_S`, then puts the new
counts into the post kept for readers. Views counted in the last second before a crash are
lost: a view count is not worth a write per read.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import structlog

from stampede.community.store import CommunityUoW
from stampede.community.store.shared import post_key, shared_reads
from stampede.kernel.module import Runtime

FLUSH_S = 1.0
KEY = "community.view_counts"
log = structlog.get_logger()


class ViewCounts:
    def __init__(self) -> None:
        self.waiting: dict[str, int] = {}

    def add(self, post_id: str) -> None:
        self.waiting[post_id] = self.waiting.get(post_id, 0) + 1

    def of(self, post_id: str) -> int:
        """Views of the post not yet written to it."""
        return self.waiting.get(post_id, 0)

    def written(self, counts: dict[str, int]) -> None:
        """``counts`` are in the database now: they no longer wait."""
        for post_id, views in counts.items():
            left = self.waiting.get(post_id, 0) - views
            if left > 0:
                self.waiting[post_id] = left
            else:
                self.waiting.pop(post_id, None)


def view_counts(runtime: Runtime) -> ViewCounts:
    found = runtime.resources.get(KEY)
    if found is None:
        found = runtime.resources[KEY] = ViewCounts()
    assert isinstance(found, ViewCounts)
    return found


def count_view(runtime: Runtime, post_id: str, stored: int) -> int:
    """One more view of the post whose stored count is ``stored``; the count to show."""
    counts = view_counts(runtime)
    counts.add(post_id)
    return stored + counts.of(post_id)


def waiting_views(runtime: Runtime, post_id: str) -> int:
    """Views of the post counted here and not yet written to it."""
    return view_counts(runtime).of(post_id)


async def flush_views(runtime: Runtime) -> int:
    """Write every waiting view; how many posts got views."""
    counts = view_counts(runtime)
    batch = dict(counts.waiting)
    if not batch:
        return 0
    async with CommunityUoW(runtime) as uow:
        totals = await uow.posts.add_views(batch)
        await uow.commit()
    counts.written(batch)
    keep = shared_reads(runtime)
    for post_id, views in totals.items():
        keep.revise(post_key(post_id), functools.partial(_viewed, views=views))
    return len(batch)


def _viewed(post: Any, views: int) -> Any:
    return post.model_copy(update={"views": max(post.views, views)})


async def write_views(runtime: Runtime) -> None:
    """Flush the waiting views every :data:`FLUSH_S` while the process runs, and once more
    when it stops."""
    try:
        while True:
            await asyncio.sleep(FLUSH_S)
            try:
                await flush_views(runtime)
            except Exception as exc:  # the views wait for the next round
                log.warning("writing view counts failed", error=repr(exc))
    finally:
        await asyncio.shield(_last_flush(runtime))


async def _last_flush(runtime: Runtime) -> None:
    try:
        await flush_views(runtime)
    except Exception as exc:
        log.warning("writing view counts at stop failed", error=repr(exc))
