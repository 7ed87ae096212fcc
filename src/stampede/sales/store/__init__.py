"""The sales tables, repositories, the unit of work, and the inventory adapters.

``records`` reads and keeps the copy of what is sold; ``claims`` writes and ends holds with
the database as final guard; ``memory`` and ``redis`` are the two inventory adapters, chosen
by the store URL's scheme in :func:`open_inventory`.
"""

from __future__ import annotations

from typing import Self

from stampede.kernel.db import UnitOfWork
from stampede.kernel.errors import ConfigurationError
from stampede.kernel.module import Runtime
from stampede.sales.domain.inventory import Inventory
from stampede.sales.store.claims import Claims, Refused
from stampede.sales.store.records import Recorded, Records, Sale, from_ms, to_ms

__all__ = [
    "Claims",
    "Recorded",
    "Records",
    "Refused",
    "Sale",
    "SalesUoW",
    "from_ms",
    "open_inventory",
    "to_ms",
]


class SalesUoW(UnitOfWork):
    records: Records
    claims: Claims

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime.db)
        self.runtime = runtime

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.records = Records(self.session)
        self.claims = Claims(self.session)
        return self


async def open_inventory(url: str, namespace: str = "") -> Inventory:
    """``memory://`` → the embedded adapter; ``redis://`` → Lua on Redis (eviction checked)."""
    if url.startswith("memory://"):
        from stampede.sales.store.memory import MemoryInventory

        return MemoryInventory()
    if url.startswith(("redis://", "rediss://", "unix://")):
        from stampede.sales.store.redis import RedisInventory

        return await RedisInventory.connect(url, namespace)
    raise ConfigurationError("STORE_URL", f"unsupported scheme in {url!r} (memory:// or redis://)")
