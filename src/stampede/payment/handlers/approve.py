"""The buyer approves a payment with the ``pg_token`` the provider's page gave them.

The first approve moves the payment ``ready → approving`` (a conditional update, so a duplicate
callback or a double click finds it taken and only reports the state) and then asks the
provider to capture. In async mode that runs as a background task of this process (awaited
when the process stops) and the buyer gets 202 at once; in sync mode the buyer waits for the
outcome. Either way a lost answer leaves the payment ``approving`` for the reconciler.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from stampede.kernel.auth import Principal
from stampede.kernel.errors import NotFound
from stampede.kernel.idempotency import Reply, Slot
from stampede.kernel.module import Runtime
from stampede.payment.domain.payments import Payment, ended, payment_body
from stampede.payment.handlers.settle import capture
from stampede.payment.store import PaymentUoW

APPROVALS = "payment.approvals"  # runtime.resources: the approvals running in the background
POLL_S = 0.05
log = structlog.get_logger()


async def open_approvals(runtime: Runtime) -> None:
    """Keep this process's background approvals, and finish them before it stops."""
    runtime.resources[APPROVALS] = set()

    async def finish() -> None:
        await finish_approvals(runtime)

    runtime.closers.append(finish)


async def finish_approvals(runtime: Runtime) -> None:
    """Wait for the running approvals (each ends within the call timeout); cancel stragglers."""
    tasks: set[asyncio.Task[None]] = set(runtime.resources.get(APPROVALS, ()))
    if not tasks:
        return
    _, late = await asyncio.wait(tasks, timeout=runtime.settings.call_timeout_s + 1)
    for task in late:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _in_background(runtime: Runtime, payment_id: str) -> None:
    running: set[asyncio.Task[None]] = runtime.resources.setdefault(APPROVALS, set())
    job = _capture_or_leave(runtime, payment_id)
    task = asyncio.create_task(job, name=f"payment:approve:{payment_id}")
    running.add(task)
    task.add_done_callback(running.discard)


async def _capture_or_leave(runtime: Runtime, payment_id: str) -> None:
    """Capture; a failure here (the database busy, say) leaves the payment ``approving``,
    which the reconciler settles with the provider — logged, never lost."""
    try:
        await capture(runtime, payment_id)
    except Exception as exc:
        log.warning("payment.approval_left", payment_id=payment_id, error=repr(exc)[:300])


async def own_payment(runtime: Runtime, user: Principal, payment_id: str) -> Payment:
    """The buyer's payment; anyone else's is a 404."""
    async with PaymentUoW(runtime) as uow:
        payment = await uow.payments.get(payment_id)
    if payment is None or payment.user_id != user.user_id:
        raise NotFound("no such payment", slug="no-payment")
    return payment


async def approve_payment(
    runtime: Runtime, user: Principal, payment_id: str, pg_token: str, sync: bool, slot: Slot
) -> Reply:
    """202 ``approving`` (async) or 200 with the outcome (sync); a payment already approving
    or approved answers its state; a failed or voided one is a 409."""
    payment = await own_payment(runtime, user, payment_id)
    if payment.status == "ready" and await _start(runtime, payment, pg_token, slot, sync):
        if not sync:
            _in_background(runtime, payment_id)
            return Reply(202, _approving(payment))
        await capture(runtime, payment_id)
        return await _state(runtime, payment_id)
    return await _state(runtime, payment_id, wait=sync, refuse_ended=True)


def _approving(payment: Payment) -> dict[str, object]:
    return {**payment_body(payment), "status": "approving"}


async def _start(runtime: Runtime, payment: Payment, token: str, slot: Slot, sync: bool) -> bool:
    async with PaymentUoW(runtime) as uow:
        if not await uow.payments.start_approval(payment.payment_id, token, runtime.now()):
            return False
        if not sync:
            await slot.keep(uow.session, Reply(202, _approving(payment)))
        await uow.commit()
    return True


async def _state(
    runtime: Runtime, payment_id: str, *, wait: bool = False, refuse_ended: bool = False
) -> Reply:
    """The payment now — after waiting, in sync mode, for an approval in flight to end."""
    deadline = asyncio.get_running_loop().time() + runtime.settings.call_timeout_s + 1
    while True:
        async with PaymentUoW(runtime) as uow:
            payment = await uow.payments.get(payment_id)
        assert payment is not None
        in_flight = payment.status == "approving"
        if not (wait and in_flight) or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(POLL_S)
    if refuse_ended and payment.status in ("failed", "voided"):
        raise ended(payment)
    return Reply(202 if in_flight else 200, payment_body(payment))
