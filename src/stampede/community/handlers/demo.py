"""The demo's posts and comments, written by identity's demo customers.

Community knows those customers only from the ``AccountRegistered`` events it consumed (by
their names; it never reads identity). :func:`seed_when_ready` runs in the background of the
process hosting community when the demo is on (``STAMPEDE_DEMO``): it waits until those
customers are known here, then writes a few posts once. It is deliberately not a
``Module.seed_demo``: ``Platform.seed_demo`` settles every earlier seed's events before the
next seed, and community's place after the catalog would make every first start wait for all
of the catalog demo's events (about ten seconds of work, past the bus's settle timeout).

Seeding is one transaction on a community without posts, claimed through the shared store so
two replicas starting together seed once.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict
from datetime import datetime, timedelta

import structlog

from stampede.community.domain.access import VISIBLE
from stampede.community.domain.demo import DEMO_AUTHORS, DEMO_POSTS, DemoPost
from stampede.community.domain.posts import Comment, Post
from stampede.community.store import CommunityUoW
from stampede.community.store.shared import board_scope
from stampede.kernel.module import Runtime
from stampede.kernel.sqltypes import new_id

LABEL = f"{'community':<9}"
WAIT_S, POLL_S, CLAIM_S = 120.0, 1.0, 60.0
log = structlog.get_logger()


async def seed_when_ready(runtime: Runtime) -> None:
    """With the demo on, write the demo posts as soon as the demo customers are known (checked
    every :data:`POLL_S`, for up to :data:`WAIT_S`); nothing when any post exists."""
    if not runtime.settings.load_demo:
        return
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        written = await write_demo(runtime)
        if written is not None:
            if written:
                log.info("community demo posts written", posts=written)
            return
        await asyncio.sleep(POLL_S)
    log.warning("community demo skipped: the demo customers never became known")


async def seed_demo(runtime: Runtime) -> list[str]:
    """The demo posts now, with a line for the CLI (``[]`` when any post exists)."""
    written = await write_demo(runtime)
    if written is None:
        return [f"{LABEL} no demo posts: the demo customers are not known here yet"]
    return [f"{LABEL} {written} demo posts on 2 boards"] if written else []


async def write_demo(runtime: Runtime) -> int | None:
    """How many demo posts were written: 0 when any post exists (or another process is
    seeding), None when the demo customers are not known yet."""
    async with CommunityUoW(runtime) as uow:
        if await uow.posts.any():
            return 0
        authors = await uow.members.first_named(DEMO_AUTHORS)
        if set(authors) != set(DEMO_AUTHORS):
            return None
        if not await runtime.store.set_if_absent("community:demo-seed", "1", CLAIM_S):
            return 0
        ids = [authors[name] for name in DEMO_AUTHORS]
        for number, demo in enumerate(DEMO_POSTS):
            await _seed_post(uow, demo, ids, number)
        uow.changed(*{board_scope(demo.board) for demo in DEMO_POSTS})
        await uow.commit()
    return len(DEMO_POSTS)


async def _seed_post(uow: CommunityUoW, demo: DemoPost, ids: list[str], number: int) -> None:
    """One post, ``len - number`` hours old, with its comments and their replies."""
    at = uow.runtime.now() - timedelta(hours=len(DEMO_POSTS) - number)
    post = Post(
        new_id(), demo.board, ids[demo.author], demo.title, demo.body, VISIBLE, at, at,
        tags=list(demo.tags), **(asdict(demo.price) if demo.price else {}),
    )  # fmt: skip
    await uow.posts.add(post)
    written = 0
    for minute, thread in enumerate(demo.comments, start=1):
        top_at = at + timedelta(minutes=minute)
        top = _comment(post.id, None, ids[thread.author], thread.body, top_at)
        await uow.comments.add(top)
        for second, (author, body) in enumerate(thread.replies, start=1):
            reply_at = top_at + timedelta(seconds=30 * second)
            await uow.comments.add(_comment(post.id, top.id, ids[author], body, reply_at))
        written += 1 + len(thread.replies)
    await uow.posts.change(post.id, {"comments": written})


def _comment(post_id: str, parent_id: str | None, author: str, body: str, at: datetime) -> Comment:
    return Comment(new_id(), post_id, parent_id, author, body, VISIBLE, at, at)
