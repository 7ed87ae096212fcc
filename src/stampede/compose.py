"""The composition root: the only place that knows which contexts run here and on what.

``MODULES`` lists every context; ``Settings.contexts`` picks the ones this process hosts. Each
hosted context gets its own database (URL from settings), and all share this process's bus,
store and call clients. The edge app routes ``/api/<context>/...`` to hosted contexts in-process
and to the others over HTTP; with ``gateway`` hosted it also checks tokens and rate limits.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import structlog
from starlette.types import ASGIApp

from stampede.catalog.module import module as catalog
from stampede.community.module import module as community
from stampede.fakepg.app import PAGES as FAKEPG_PAGES
from stampede.fakepg.app import create_app as create_fakepg
from stampede.fulfilment.module import module as fulfilment
from stampede.identity.module import module as identity
from stampede.kernel.aio import cancel_all
from stampede.kernel.auth import TokenVerifier
from stampede.kernel.bus import Bus, MemoryBus, bus_from_url
from stampede.kernel.calls import ServiceCalls
from stampede.kernel.consumers import queues_for
from stampede.kernel.db import Database
from stampede.kernel.express import Claim
from stampede.kernel.migrate import migrate
from stampede.kernel.module import Module, Runtime
from stampede.kernel.outbox import Relay, due
from stampede.kernel.service import service_app
from stampede.kernel.settings import Settings
from stampede.kernel.store import Store, store_from_url
from stampede.mypage.module import module as mypage
from stampede.notification.module import module as notification
from stampede.ordering.module import module as ordering
from stampede.payment.module import module as payment
from stampede.sales.module import module as sales
from stampede.web.module import Web
from stampede.web.module import create_app as create_web

MODULES: list[Module] = [
    identity,
    catalog,
    sales,
    ordering,
    payment,
    fulfilment,
    mypage,
    community,
    notification,
]
log = structlog.get_logger()
SEED_SETTLE_S = 120.0  # between two demo seeds, on a busy machine
SETTLE_POLL_S = 0.02  # between two settling rounds while a relay elsewhere publishes


class Platform:
    """The hosted contexts of this process with their resources and background tasks."""

    def __init__(self, settings: Settings, modules: list[Module] | None = None) -> None:
        known = modules if modules is not None else MODULES
        names = settings.hosted([m.name for m in known])
        self.settings = settings
        self.known = [m.name for m in known]
        self.modules = [m for m in known if m.name in names]
        self.bus: Bus = bus_from_url(settings.bus_url, settings.bus_namespace)
        self.store: Store = store_from_url(settings.store_url)
        self.calls = ServiceCalls(settings)
        self.verifier = TokenVerifier(self._jwks, settings.jwt_issuer, settings.jwt_audience)
        self.runtimes = {m.name: self._runtime(m) for m in self.modules}
        self.apps = {m.name: service_app(m, self.runtimes[m.name]) for m in self.modules}
        for name, app in self.apps.items():
            self.calls.mount_local(name, app)
        self.fakepg: ASGIApp | None = None  # the in-process fake provider, when used
        if "payment" in self.runtimes and settings.payment_provider_url == "fakepg://":
            self.fakepg = self._fakepg()
            self.calls.mount_local("fakepg", self.fakepg)
        self.web: Web | None = None  # the pages, when this process serves them (see build)
        self._tasks: list[asyncio.Task[None]] = []

    def lanes(self) -> list[Claim]:
        """The express lanes of the hosted contexts (see :mod:`stampede.kernel.express`)."""
        return [m.lanes(self.runtimes[m.name]) for m in self.modules if m.lanes is not None]

    def roles(self) -> list[str]:
        """What this process serves: its contexts, plus ``gateway`` when it is the entry."""
        gateway = ["gateway"] if self.settings.hosts_gateway else []
        web = ["web"] if self.web is not None else []
        return gateway + web + [m.name for m in self.modules]

    def remote(self) -> list[str]:
        return [name for name in self.known if name not in self.runtimes]

    def _fakepg(self) -> ASGIApp:
        """The fake payment provider, in this process (``PAYMENT_PROVIDER_URL=fakepg://``); its
        pages are at ``<public base>/fakepg`` unless ``FAKEPG_PUBLIC_URL`` says otherwise."""
        settings = self.settings
        public = settings.fakepg_public_url or f"{settings.public_base}{FAKEPG_PAGES}"
        return create_fakepg(secret_key=settings.payment_provider_key, public_url=public)

    def _runtime(self, module: Module) -> Runtime:
        db = Database(self.settings.database_url_for(module.name), module.name)
        return Runtime(
            module.name, self.settings, db, self.store, self.bus, self.calls, self.verifier
        )

    async def _jwks(self) -> dict[str, Any]:
        return dict(await self.calls.get_json("identity", "/.well-known/jwks.json"))

    async def migrate(self) -> None:
        for module in self.modules:
            await self.migrate_one(module.name)

    async def migrate_one(self, name: str) -> None:
        module = next(m for m in self.modules if m.name == name)
        await migrate(self.runtimes[name].db, module.migrations)

    def subscribe(self) -> None:
        for module in self.modules:
            for queue in queues_for(module, self.runtimes[module.name]):
                self.bus.subscribe(queue)

    async def declare(self) -> None:
        """Create the hosted contexts' queues on the broker, so no event is published before
        the queue that must keep it exists (``stampede migrate`` and every start do this)."""
        self.subscribe()
        await self.bus.declare()

    async def start(self, *, migrate_first: bool = True, seed_demo: bool = False) -> list[str]:
        """Migrate, open resources, start consuming; with ``seed_demo`` load the demo data
        (login lines returned) before the relays and background jobs start, so what the last
        seed emitted is handled after the platform is up, not while it is starting."""
        if migrate_first:
            await self.migrate()
        for module in self.modules:
            if module.setup is not None:
                await module.setup(self.runtimes[module.name])
        self.subscribe()
        await self.bus.start()
        lines = await self.seed_demo() if seed_demo else []
        if "identity" not in self.runtimes:  # keys come over the network: fetch them now
            self._spawn(self._warm_keys(), "warm-keys")
        for module in self.modules:
            runtime = self.runtimes[module.name]
            self._spawn(Relay(runtime.db, self.bus).run(), f"relay:{module.name}")
            for job in module.background:
                self._spawn(job(runtime), f"{module.name}:{job.__name__}")
        return lines

    async def _warm_keys(self, attempts: int = 30) -> None:
        """Have identity's public keys before the first request asks for them."""
        for _ in range(attempts):
            if await self.verifier.warm():
                return
            await asyncio.sleep(1)

    def _spawn(self, coro: Any, name: str) -> None:
        self._tasks.append(asyncio.create_task(coro, name=name))

    async def seed_demo(self) -> list[str]:
        """Load each hosted context's demo data; contexts skip it when they hold data.

        Between two seeds every event is handled first (the catalog's demo rests on identity's
        companies); the last seed's events are handled in the background, like any others —
        the relays run once the platform is started, and the outbox keeps them until then."""
        lines: list[str] = []
        seeds = [(m.name, m.seed_demo) for m in self.modules if m.seed_demo is not None]
        for number, (name, seed) in enumerate(seeds, start=1):
            lines += await seed(self.runtimes[name])
            if number < len(seeds):
                await self.settle(timeout_s=SEED_SETTLE_S)
        return lines

    async def settle(self, rounds: int = 20, timeout_s: float = 10.0) -> None:
        """Publish every pending outbox row and wait until the in-process bus is idle (each
        wait at most ``timeout_s``). Done only when a round published nothing and no row is
        due: a row a background relay is publishing meanwhile is skipped by this round's pump
        and not on the bus yet, so it is waited for in the next round."""
        for _ in range(rounds):
            published = 0
            for runtime in self.runtimes.values():
                published += await Relay(runtime.db, self.bus).pump_once()
            if isinstance(self.bus, MemoryBus):
                await self.bus.settle(timeout_s)
            if not published and not await self._rows_due():
                return
            if not published:
                await asyncio.sleep(SETTLE_POLL_S)

    async def _rows_due(self) -> int:
        return sum([await due(runtime.db) for runtime in self.runtimes.values()])

    async def stop(self) -> None:
        await cancel_all(self._tasks)
        await self.bus.close()
        for runtime in self.runtimes.values():
            await runtime.close_resources()
        await self.calls.close()
        if self.web is not None:
            await self.web.close()
        await self.store.close()
        for runtime in self.runtimes.values():
            await runtime.db.dispose()


def build(settings: Settings, modules: list[Module] | None = None) -> tuple[ASGIApp, Platform]:
    """The process's ASGI app and its platform; the app's lifespan starts and stops both."""
    from stampede.gateway.app import edge_app

    platform = Platform(settings, modules)
    entry: list[ASGIApp] = []
    if settings.hosts_web:  # pages call the API through this process's entry when it has one
        local = (lambda: entry[0]) if settings.hosts_gateway else None
        platform.web = create_web(settings, local)
    entry.append(edge_app(platform))
    return entry[0], platform


@contextlib.asynccontextmanager
async def running(platform: Platform) -> AsyncIterator[Platform]:
    await platform.start()
    try:
        yield platform
    finally:
        await platform.stop()
