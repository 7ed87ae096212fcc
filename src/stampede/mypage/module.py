"""MyPage as the composition root sees it; imported only by ``stampede.compose``."""

from __future__ import annotations

from pathlib import Path

from stampede.kernel.module import Module
from stampede.mypage import api, handlers
from stampede.mypage.store import MyPageUoW

module = Module(
    name="mypage",
    router=api.router,
    unit_of_work=MyPageUoW,
    migrations=Path(__file__).parent / "migrations",
    subscriptions=handlers.SUBSCRIPTIONS,
)
