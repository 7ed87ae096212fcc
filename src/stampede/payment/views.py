"""How payment shows a payment — with its refunds, or as a QR code of the provider's page — to
the buyer, the order's seller and admins (a 404 for anyone else)."""

from __future__ import annotations

import io
from typing import Any

import segno

from stampede.kernel.auth import Principal
from stampede.kernel.errors import NotFound
from stampede.kernel.module import Runtime
from stampede.payment.domain.payments import Payment, payment_body, refund_body
from stampede.payment.store import PaymentUoW


def _seen_by(user: Principal, payment: Payment | None) -> Payment:
    if payment is None or not payment.visible_to(user.user_id, user.has("admin")):
        raise NotFound("no such payment", slug="no-payment")
    return payment


async def read_payment(runtime: Runtime, user: Principal, payment_id: str) -> dict[str, Any]:
    async with PaymentUoW(runtime) as uow:
        payment = _seen_by(user, await uow.payments.get(payment_id))
        refunds = await uow.refunds.of_payment(payment_id)
    return {**payment_body(payment), "refunds": [refund_body(r) for r in refunds]}


async def order_payment(runtime: Runtime, user: Principal, order_id: str) -> dict[str, Any]:
    """The order's newest payment."""
    async with PaymentUoW(runtime) as uow:
        latest = await uow.payments.latest_of_order(order_id)
    return await read_payment(runtime, user, _seen_by(user, latest).payment_id)


async def qr_svg(runtime: Runtime, user: Principal, payment_id: str) -> bytes:
    """An SVG QR code of the provider's page where the buyer approves."""
    async with PaymentUoW(runtime) as uow:
        payment = _seen_by(user, await uow.payments.get(payment_id))
    out = io.BytesIO()
    segno.make(payment.redirect_url, error="m").save(out, kind="svg", scale=4, border=2)
    return out.getvalue()
