"""The durable record of holds, written before the buyer hears 201 (group commit).

Concurrent grants queue up; one writer takes up to :data:`BATCH` at a time and records them in
one transaction together with their HoldPlaced outbox rows — a few statements and one commit
per batch, not per hold, so the record keeps up with the hot path. If the database refuses any
hold of a batch (its constraints are the final guard), the batch is recorded again one hold
per savepoint, so only the refused ones are dropped and their callers hear ``False``; if the
transaction fails, every caller of the batch gets the error and nothing of it is written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

import structlog
from sqlalchemy.exc import IntegrityError

from stampede.kernel.module import Runtime
from stampede.sales.contracts import HoldExpired, HoldReleased
from stampede.sales.domain.holds import Hold
from stampede.sales.store import Refused, Sale, SalesUoW
from stampede.sales.store.claims import Grant
from stampede.sales.views import placed_event

BATCH = 256
log = structlog.get_logger()
Pending = tuple[Hold, "asyncio.Future[bool]"]


class Ledger:
    def __init__(self, runtime: Runtime, sales: Mapping[str, Sale]) -> None:
        self.runtime, self.sales = runtime, sales
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
        """All of ``holds`` at once; if the database refuses any, one by one (see claims)."""
        grants = [(hold, self._cap(hold)) for hold in holds]
        async with SalesUoW(self.runtime) as uow:
            try:
                await uow.claims.add_all(grants, self.runtime.now())
            except (IntegrityError, Refused):
                await uow.rollback()
            else:
                _emit_placed(uow, holds)
                await uow.commit()
                return [True] * len(holds)
        return await self._one_by_one(grants)

    async def _one_by_one(self, grants: list[Grant]) -> list[bool]:
        verdicts: list[bool] = []
        async with SalesUoW(self.runtime) as uow:
            for grant in grants:
                try:
                    await uow.claims.add(grant, self.runtime.now())
                except Refused as refusal:
                    log.warning("sales.hold_refused", hold_id=grant[0].hold_id, reason=str(refusal))
                    verdicts.append(False)
                    continue
                _emit_placed(uow, [grant[0]])
                verdicts.append(True)
            await uow.commit()
        return verdicts

    def _cap(self, hold: Hold) -> int:
        """The sale's per-user limit as this process knows it (the inventory checked it)."""
        sale = self.sales.get(hold.listing_id)
        return 0 if sale is None else sale.rules.per_user_limit

    async def end(
        self, holds: Sequence[Hold], state: str, order_id: str | None = None
    ) -> list[Hold]:
        """End the live ones among ``holds`` as ``released`` or ``expired``, once each, with
        their events; returns those that were live. Only holds no order took, or with
        ``order_id`` only the holds that order took (released for reason ``order``)."""
        ended: list[Hold] = []
        async with SalesUoW(self.runtime) as uow:
            at = self.runtime.now()
            for hold in holds:
                if await uow.claims.end(hold, state, at, order_id):
                    uow.emit(_ended_event(hold, state, order_id), subject=hold.listing_id)
                    ended.append(hold)
            await uow.commit()
        return ended


def _emit_placed(uow: SalesUoW, holds: list[Hold]) -> None:
    for hold in holds:
        uow.emit(placed_event(hold), subject=hold.listing_id)


def _ended_event(hold: Hold, state: str, order_id: str | None) -> HoldReleased | HoldExpired:
    if state == "expired":
        return HoldExpired(hold_id=hold.hold_id, listing_id=hold.listing_id, user_id=hold.user_id)
    return HoldReleased(
        hold_id=hold.hold_id,
        listing_id=hold.listing_id,
        user_id=hold.user_id,
        reason="customer" if order_id is None else "order",
    )
