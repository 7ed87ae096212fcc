"""The saga driver: a background job in every ordering process that runs due saga steps until
each order is in a final state, and cleans up after placements whose process died.

Every :data:`TICK_S` it takes up to :data:`BATCH` pending steps whose time has come (a
payment's due time, or now for the rest) and runs each (see :mod:`.steps`). A step that fails
— the other context unavailable, a payment approval still in flight, an unexpected error — is
tried again with exponential backoff (``domain.saga.next_try``); nothing is lost, because the
step row stays pending until its outcome is recorded. Several processes may run the driver:
each remote step is idempotent and each outcome is recorded on a locked order, so running a
step twice has one effect. A crash mid-step leaves it pending; the next tick resumes it.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import structlog
from prometheus_client import Counter

from stampede.kernel.errors import StampedeError
from stampede.kernel.module import Runtime
from stampede.ordering.domain.saga import next_try
from stampede.ordering.saga import calls
from stampede.ordering.saga.steps import STEPS
from stampede.ordering.store import OrderingUoW

TICK_S = 0.2
BATCH = 50
PLACEMENT_STALE_S = 60
STEP_RUNS = Counter("stampede_ordering_saga_steps_total", "Saga steps run", ["step", "outcome"])
log = structlog.get_logger()


PLACEMENTS_EVERY = 25  # ticks between looks for stale placements


async def run_driver(runtime: Runtime) -> None:
    tick = 0
    while True:
        try:
            await drive_once(runtime)
            if tick % PLACEMENTS_EVERY == 0:
                await clear_stale_placements(runtime)
        except Exception as exc:  # keep driving through a database outage
            log.warning("ordering.driver_failed", error=str(exc))
        tick += 1
        await asyncio.sleep(TICK_S)


async def drive_once(runtime: Runtime) -> int:
    """Run every due step once; returns how many ran."""
    async with OrderingUoW(runtime) as uow:
        due = await uow.steps.due(runtime.now(), BATCH)
    for order_id, step in due:
        await run_step(runtime, order_id, step)
    return len(due)


async def run_step(runtime: Runtime, order_id: str, step: str) -> None:
    async with OrderingUoW(runtime) as uow:
        order = await uow.orders.get(order_id)
    if order is None or step not in STEPS:
        return
    try:
        await STEPS[step](runtime, order)
    except Exception as exc:
        await _later(runtime, order_id, step, exc)
        return
    STEP_RUNS.labels(step, "ran").inc()


async def _later(runtime: Runtime, order_id: str, step: str, exc: Exception) -> None:
    expected = isinstance(exc, StampedeError)
    STEP_RUNS.labels(step, "retry").inc()
    if not expected:
        log.error("ordering.step_crashed", order_id=order_id, step=step, error=repr(exc))
    async with OrderingUoW(runtime) as uow:
        now = runtime.now()
        attempts = await uow.steps.attempts(order_id, step) + 1
        await uow.steps.retry_later(order_id, step, now, next_try(now, attempts), str(exc))
        await uow.commit()


async def clear_stale_placements(runtime: Runtime) -> None:
    """A placement older than :data:`PLACEMENT_STALE_S` lost its process between taking the
    hold and writing the order: give the hold back (if it took it) and forget it."""
    before = runtime.now() - timedelta(seconds=PLACEMENT_STALE_S)
    async with OrderingUoW(runtime) as uow:
        stale = await uow.placements.stale(before, BATCH)
    for row in stale:
        try:
            await calls.give_back(runtime, row.hold_id, row.order_id)
        except StampedeError as exc:
            if exc.status >= 500:
                continue  # sales is down: try again next time
        async with OrderingUoW(runtime) as uow:
            await uow.placements.remove(row.order_id)
            await uow.commit()
