"""What a context hands to the composition root, and what it gets back at run time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter

from stampede.kernel.bus import Bus
from stampede.kernel.db import Database, UnitOfWork
from stampede.kernel.express import Claim
from stampede.kernel.messages import Event, now
from stampede.kernel.settings import Settings
from stampede.kernel.store import Store

if TYPE_CHECKING:
    from stampede.kernel.auth import TokenVerifier
    from stampede.kernel.calls import ServiceCalls


@dataclass
class Runtime:
    """The live resources of one hosted context in this process."""

    context: str
    settings: Settings
    db: Database
    store: Store
    bus: Bus
    calls: ServiceCalls
    verifier: TokenVerifier
    clock: Callable[[], datetime] = now  # tests replace it to move time
    resources: dict[str, Any] = field(default_factory=dict)  # a context's own live objects
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def now(self) -> datetime:
        return self.clock()

    async def close_resources(self) -> None:
        """Run the closers a context registered, newest first, each at most once."""
        while self.closers:
            await self.closers.pop()()


EventHandler = Callable[[Any, Any], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    """``handler(event, uow)`` runs once per ``event`` in its own transaction (inbox).

    With ``exactly_once=False`` the handler gets an unopened unit of work and makes its effect
    idempotent itself — for work that must not hold a transaction open, such as sending mail
    (its send record decides)."""

    event: type[Event]
    handler: EventHandler
    exactly_once: bool = True

    @property
    def name(self) -> str:
        return getattr(self.handler, "__name__", "handler")


@dataclass(frozen=True)
class Module:
    """A bounded context as the composition root sees it."""

    name: str
    router: APIRouter
    unit_of_work: Callable[[Runtime], UnitOfWork]
    migrations: Path
    subscriptions: tuple[Subscription, ...] = ()
    seed_demo: Callable[[Runtime], Awaitable[list[str]]] | None = None
    setup: Callable[[Runtime], Awaitable[None]] | None = None  # before consumers and jobs start
    lanes: Callable[[Runtime], Claim] | None = None  # hot requests answered before routing
    background: tuple[Callable[[Runtime], Awaitable[None]], ...] = field(default=())
    tasks: Mapping[str, Callable[..., Awaitable[str]]] = field(default_factory=dict)
