"""Community as the composition root sees it; imported only by ``stampede.compose``.

Its demo posts are written by a background job once identity's demo customers are known (see
:mod:`stampede.community.handlers.demo` for why it is not a ``seed_demo``)."""

from __future__ import annotations

from pathlib import Path

from stampede.community import api, handlers
from stampede.community.store import CommunityUoW
from stampede.kernel.module import Module

module = Module(
    name="community",
    router=api.router,
    unit_of_work=CommunityUoW,
    migrations=Path(__file__).parent / "migrations",
    subscriptions=handlers.SUBSCRIPTIONS,
    background=(handlers.seed_when_ready, handlers.write_views),
)
