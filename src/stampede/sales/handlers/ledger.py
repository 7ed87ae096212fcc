"""The durable record of holds, written before the buyer hears 201 (group commit).

Concurrent grants queue up; one writer takes up to :data:`BATCH` at a time and records them in
one transaction together with their HoldPlaced outbox rows — one commit per batch, not per
hold, so the record keeps up with the hot path. Each hold goes in under its own savepoint: a
hold the database refuses (its constraints are the final guard) is dropped alone and its
caller hears ``False``; if the transaction fails, every caller of the batch gets the error and
nothing of the batch is written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import structlog

from stampede.kernel.module import Runtime
from stampede.sales.contracts import HoldExpired, HoldReleased
from stampede.sales.domain.holds import Hold
from stampede.sales.store import Refused, SalesUoW
from stampede.sales.views import placed_event

BATCH = 256
log = structlog.get_logger()
Pending = tuple[Hold, "asyncio.Future[bool]"]


class Ledger:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._queue: asyncio.Queue[Pending] = asyncio.Queue()

    async def record(self, hold: Hold) -> bool:
        """Whether ``hold`` is now durable (False: the database refused it)."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((hold, done))
        return await done

    async def run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            await self._write(batch)

    async def _write(self, batch: list[Pending]) -> None:
        try:
            verdicts = await self._commit([hold for hold, _ in batch])
        except Exception as exc:  # the database is down or the transaction failed
            log.warning("sales.ledger_failed", error=str(exc), holds=len(batch))
            for _, done in batch:
                if not done.done():
                    done.set_exception(exc)
            return
        for (_, done), verdict in zip(batch, verdicts, strict=True):
            if not done.done():
                done.set_result(verdict)

    async def _commit(self, holds: list[Hold]) -> list[bool]:
        verdicts: list[bool] = []
        async with SalesUoW(self.runtime) as uow:
            now = self.runtime.now()
            for hold in holds:
                try:
                    await uow.claims.add(hold, now)
                except Refused as refusal:
                    log.warning("sales.hold_refused", hold_id=hold.hold_id, reason=str(refusal))
                    verdicts.append(False)
                    continue
                uow.emit(placed_event(hold), subject=hold.listing_id)
                verdicts.append(True)
            await uow.commit()
        return verdicts

    async def end(self, holds: Sequence[Hold], state: str) -> list[Hold]:
        """End the live ones among ``holds`` as ``released`` or ``expired``, once each, with
        their events; returns those that were live."""
        ended: list[Hold] = []
        async with SalesUoW(self.runtime) as uow:
            at = self.runtime.now()
            for hold in holds:
                if await uow.claims.end(hold, state, at):
                    uow.emit(_ended_event(hold, state), subject=hold.listing_id)
                    ended.append(hold)
            await uow.commit()
        return ended


def _ended_event(hold: Hold, state: str) -> HoldReleased | HoldExpired:
    if state == "expired":
        return HoldExpired(hold_id=hold.hold_id, listing_id=hold.listing_id, user_id=hold.user_id)
    return HoldReleased(
        hold_id=hold.hold_id, listing_id=hold.listing_id, user_id=hold.user_id, reason="customer"
    )
