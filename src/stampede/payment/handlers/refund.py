"""Refunds: the seller's (or an admin's) full or partial refund of a captured payment, and
ordering's refund of a cancelled order (signed internal call).

A refund is one row per (payment, key). It first *reserves* its amount — a conditional update
``refunded_total + amount <= captured`` on the locked payment, in the transaction that inserts
the row — so however many refunds run at once, their sum never passes what was captured (a
database CHECK is the last guard). Then the provider is asked to cancel that amount: its yes
marks the refund done (PaymentRefunded); its no gives the reservation back (409); no answer
leaves the refund pending for the reconciler, and the caller gets 503 ``refund-pending``.
Asking again with the same key answers the refund as it stands — done, still pending — or,
when it was given back, tries it again; it never cancels twice at the provider.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from stampede.kernel.auth import Principal
from stampede.kernel.errors import Conflict, NotFound, Unavailable, Unprocessable
from stampede.kernel.idempotency import Reply, Slot
from stampede.kernel.module import Runtime
from stampede.kernel.sqltypes import new_id
from stampede.payment.contracts import PaymentRefunded, RefundAnswer, RefundAsk
from stampede.payment.domain.payments import Payment, Refund
from stampede.payment.handlers.moves import event_fields
from stampede.payment.store import PaymentUoW
from stampede.payment.store.provider import Provider, Refused, Unanswered


@dataclass(frozen=True)
class Asked:
    key: str
    amount: int | None  # None: everything not yet refunded
    reason: str


@dataclass(frozen=True)
class Outcome:
    refund: Refund | None  # None: there was nothing left to refund
    refunded_total: int  # what the provider has confirmed, all refunds of the payment
    captured: int


def _pending() -> Unavailable:
    return Unavailable(
        "the provider has not confirmed the refund yet; ask again with the same key shortly",
        slug="refund-pending",
    )


async def run_refund(runtime: Runtime, payment_id: str, asked: Asked, slot: Slot | None) -> Outcome:
    refund_, payment = await _reserve(runtime, payment_id, asked)
    if refund_ is None or refund_.status == "done":
        return await _outcome(runtime, payment, refund_)
    try:
        await Provider(runtime).cancel(payment.tid, refund_.amount)
    except Refused as refusal:
        async with PaymentUoW(runtime) as uow:
            await give_back(uow, refund_, str(refusal))
            await uow.commit()
        detail = f"the provider refused the refund: {refusal}"
        raise Conflict(detail, slug="provider-refused") from refusal
    except Unanswered:
        raise _pending() from None
    return await _confirm(runtime, refund_, slot)


async def _reserve(
    runtime: Runtime, payment_id: str, asked: Asked
) -> tuple[Refund | None, Payment]:
    """The refund to ask the provider for (just reserved), or a done one, or None."""
    async with PaymentUoW(runtime) as uow:
        payment = await uow.payments.get(payment_id, lock=True)
        assert payment is not None
        found = await uow.refunds.by_key(payment_id, asked.key)
        result = await (_new(uow, payment, asked) if found is None else _again(uow, found, asked))
        await uow.commit()
    return result, payment


async def _again(uow: PaymentUoW, found: Refund, asked: Asked) -> Refund:
    if asked.amount is not None and asked.amount != found.amount:
        raise Unprocessable("this key was used for another refund amount", slug="key-reused")
    if found.status == "pending":
        raise _pending()
    if found.status == "returned":
        _reserved_or_refuse(
            await uow.payments.reserve(found.payment_id, found.amount), found.amount
        )
        now = uow.runtime.now()
        await uow.refunds.move(found.refund_id, "returned", "pending", attempted_at=now, error="")
        return replace(found, status="pending", attempted_at=now)
    return found


async def _new(uow: PaymentUoW, payment: Payment, asked: Asked) -> Refund | None:
    if payment.status != "approved":
        raise Conflict(
            f"the payment is {payment.status}, nothing was captured", slug="not-captured"
        )
    left = payment.captured - payment.refunded_total
    amount = left if asked.amount is None else asked.amount
    if amount <= 0:
        return None
    if not await uow.payments.reserve(payment.payment_id, amount):
        raise _too_much(amount, left)
    now = uow.runtime.now()
    refund_ = Refund(
        new_id(), payment.payment_id, asked.key, amount, asked.reason, "pending", "", now, now
    )
    await uow.refunds.add(refund_)
    return refund_


def _too_much(amount: int, left: int) -> Conflict:
    return Conflict(
        f"a refund of {amount} is more than is left to refund ({left})",
        slug="refund-exceeds-capture",
        refundable=left,
    )


def _reserved_or_refuse(reserved: bool, amount: int) -> None:
    if not reserved:
        raise Conflict(f"a refund of {amount} no longer fits", slug="refund-exceeds-capture")


async def confirm(uow: PaymentUoW, payment: Payment, refund_: Refund) -> int:
    """pending → done with PaymentRefunded (on the locked payment); the confirmed total."""
    if await uow.refunds.move(refund_.refund_id, "pending", "done"):
        total, now = await uow.refunds.done_total(payment.payment_id), uow.runtime.now()
        event = PaymentRefunded(
            **event_fields(payment, now),
            refund_id=refund_.refund_id,
            refunded=refund_.amount,
            refunded_total=total,
            captured=payment.captured,
            reason=refund_.reason,
        )
        uow.emit(event, payment.order_id)
        return total
    return await uow.refunds.done_total(payment.payment_id)


async def give_back(uow: PaymentUoW, refund_: Refund, error: str) -> None:
    """pending → returned, its reservation given back (once)."""
    if await uow.refunds.move(refund_.refund_id, "pending", "returned", error=error[:300]):
        await uow.payments.give_back(refund_.payment_id, refund_.amount)


async def _confirm(runtime: Runtime, refund_: Refund, slot: Slot | None) -> Outcome:
    async with PaymentUoW(runtime) as uow:
        payment = await uow.payments.get(refund_.payment_id, lock=True)
        assert payment is not None
        total = await confirm(uow, payment, refund_)
        outcome = Outcome(replace(refund_, status="done"), total, payment.captured)
        if slot is not None:
            await slot.keep(uow.session, Reply(201, answer(outcome)))
        await uow.commit()
    return outcome


async def _outcome(runtime: Runtime, payment: Payment, refund_: Refund | None) -> Outcome:
    async with PaymentUoW(runtime) as uow:
        total = await uow.refunds.done_total(payment.payment_id)
    return Outcome(refund_, total, payment.captured)


def answer(outcome: Outcome) -> dict[str, Any]:
    done = outcome.refund
    return {
        "refund_id": None if done is None else done.refund_id,
        "payment_id": None if done is None else done.payment_id,
        "status": "done" if done is None else done.status,
        "refunded": 0 if done is None else done.amount,
        "refunded_total": outcome.refunded_total,
        "captured": outcome.captured,
    }


async def refund_payment(
    runtime: Runtime, user: Principal, payment_id: str, asked: Asked, slot: Slot
) -> Reply:
    """The order's seller or an admin refunds (another business gets a 404)."""
    async with PaymentUoW(runtime) as uow:
        payment = await uow.payments.get(payment_id)
    if payment is None or not (user.has("admin") or user.user_id == payment.seller_id):
        raise NotFound("no such payment", slug="no-payment")
    scoped = replace(asked, key=f"{user.user_id}:{asked.key}")  # keys are per user
    outcome = await run_refund(runtime, payment_id, scoped, slot)
    if outcome.refund is None:
        raise Conflict("everything captured was refunded already", slug="nothing-to-refund")
    return Reply(201, answer(outcome))


async def refund_order(runtime: Runtime, order_id: str, ask: RefundAsk) -> RefundAnswer:
    """Ordering's refund of an order: once per key; nothing captured answers zeros."""
    async with PaymentUoW(runtime) as uow:
        payment = await uow.payments.live_of_order(order_id)
    if payment is not None and payment.status == "approving":
        raise Conflict("the payment's approval is with the provider", slug="approval-in-flight")
    if payment is None or payment.status != "approved":
        return RefundAnswer(refund_id=None, refunded=0, refunded_total=0, captured=0)
    outcome = await run_refund(
        runtime, payment.payment_id, Asked(ask.key, ask.amount, ask.reason), None
    )
    done = outcome.refund
    return RefundAnswer(
        refund_id=None if done is None else done.refund_id,
        refunded=0 if done is None else done.amount,
        refunded_total=outcome.refunded_total,
        captured=outcome.captured,
    )
