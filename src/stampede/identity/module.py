"""Identity as the composition root sees it; imported only by ``stampede.compose``."""

from __future__ import annotations

from pathlib import Path

from stampede.identity import api, handlers
from stampede.identity.store import IdentityUoW
from stampede.kernel.module import Module

module = Module(
    name="identity",
    router=api.router,
    unit_of_work=lambda rt: IdentityUoW(rt),
    migrations=Path(__file__).parent / "migrations",
    subscriptions=handlers.SUBSCRIPTIONS,
    seed_demo=handlers.seed_demo,
    tasks={"rotate_keys": handlers.rotate_keys, "create_admin": handlers.create_admin},
)
