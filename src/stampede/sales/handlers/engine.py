"""The live parts of sales in one process: the inventory adapter, the durable-record writer
and a cache of each sale's rules (refreshed from the record every second and on every fact).

:func:`setup` opens them before consumers start and registers their closing; :func:`engine`
hands them to use cases.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import timedelta

from stampede.kernel.errors import Unavailable
from stampede.kernel.module import Runtime
from stampede.sales.domain.holds import ORDERED_EXPIRY_MS, Hold
from stampede.sales.domain.inventory import Inventory
from stampede.sales.handlers.ledger import Ledger
from stampede.sales.store import Sale, SalesUoW, open_inventory, to_ms

KEY = "sales.engine"
GHOST_GRACE = timedelta(seconds=10)  # an unrecorded inventory hold older than this is a ghost


@dataclass
class Engine:
    runtime: Runtime
    inventory: Inventory
    ledger: Ledger
    sales: dict[str, Sale] = field(default_factory=dict)
    writer: asyncio.Task[None] | None = None

    @property
    def admission_ttl_ms(self) -> int:
        return self.runtime.settings.admission_ttl_s * 1000

    def old_enough_for_ghost(self, hold: Hold) -> bool:
        """Whether an inventory hold the record lacks is a ghost (its process died before
        recording it): placed more than :data:`GHOST_GRACE` ago, far longer than recording
        takes. An ordered hold is recorded before it is kept, so lacking it the record ended
        it (a process died before freeing it): always a ghost."""
        if hold.expires_ms >= ORDERED_EXPIRY_MS:
            return True
        placed_ms = hold.expires_ms - self.runtime.settings.hold_ttl_s * 1000
        return placed_ms < to_ms(self.runtime.now() - GHOST_GRACE)

    async def refresh(self) -> None:
        """Reload every sale's rules from the durable record."""
        async with SalesUoW(self.runtime) as uow:
            loaded = await uow.records.sales(self.admission_ttl_ms)
        fresh = {sale.rules.listing_id: sale for sale in loaded}
        self.sales.clear()  # the same dict the ledger reads
        self.sales.update(fresh)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.writer
        await self.inventory.close()


async def setup(runtime: Runtime) -> None:
    """Open the inventory (Redis: eviction policy checked), start the writer, load the rules."""
    namespace = f"{runtime.settings.bus_namespace}:" if runtime.settings.bus_namespace else ""
    inventory = await open_inventory(runtime.settings.store_url, namespace)
    sales: dict[str, Sale] = {}
    live = Engine(runtime, inventory, Ledger(runtime, sales), sales)
    live.writer = asyncio.create_task(live.ledger.run(), name="sales:ledger")
    runtime.resources[KEY] = live
    runtime.closers.append(live.close)
    await live.refresh()


def engine(runtime: Runtime) -> Engine:
    live: Engine = runtime.resources[KEY]
    return live


def starting() -> Unavailable:
    """The answer while the record has a sale the inventory does not have yet (just after a
    start or a lost Redis, before the re-seed): try again in a moment."""
    return Unavailable("this sale is being made ready; try again in a moment", slug="sale-starting")
