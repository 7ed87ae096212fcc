"""A payment and the order it pays, as payment keeps them, and the rules over both.

A payment is ``ready`` (the provider gave a transaction id; the buyer must approve), then
``approving`` (the approval is with the provider), then ``approved`` (captured) or ``failed``;
a ready payment may instead be ``voided`` (the order ended first). Only ready → approving,
approving → approved/failed/ready and ready → voided/failed are moves. A *live* payment (ready,
approving, approved) is at most one per order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stampede.kernel.errors import Conflict

STATUSES = ("ready", "approving", "approved", "failed", "voided")
LIVE = ("ready", "approving", "approved")
REFUND_STATES = ("pending", "done", "returned")
PAYABLE = "PENDING_PAYMENT"
MAX_APPROVE_ATTEMPTS = 3  # provider approve calls for one payment before it is given up


@dataclass
class OrderCopy:
    """What payment knows of an order (from ordering's events or its internal route)."""

    order_id: str
    user_id: str | None
    seller_id: str | None
    title: str
    amount: int | None
    status: str
    seq: int
    payment_due_at: datetime | None
    voided_at: datetime | None

    @property
    def complete(self) -> bool:
        return None not in (self.user_id, self.amount, self.payment_due_at)


@dataclass
class Payment:
    payment_id: str
    order_id: str
    user_id: str
    seller_id: str | None
    title: str
    amount: int
    status: str
    reason: str
    tid: str
    redirect_url: str
    pg_token: str | None
    aid: str | None
    captured: int
    refunded_total: int
    attempts: int
    created_at: datetime
    approving_since: datetime | None
    settled_at: datetime | None

    def visible_to(self, user_id: str, admin: bool) -> bool:
        """The buyer, the order's seller and admins may see a payment."""
        return admin or user_id in (self.user_id, self.seller_id)


@dataclass
class Refund:
    refund_id: str
    payment_id: str
    key: str
    amount: int
    reason: str
    status: str
    error: str
    created_at: datetime
    attempted_at: datetime


def check_payable(order: OrderCopy, now: datetime) -> None:
    """Raise 409 unless a payment may start for ``order`` now."""
    if order.voided_at is not None or order.status != PAYABLE:
        raise Conflict(
            f"the order is {order.status or 'closed'}, not awaiting payment",
            slug="order-not-payable",
        )
    if order.payment_due_at is not None and order.payment_due_at <= now:
        raise Conflict("the time to pay this order is over", slug="payment-overdue")
    if not order.amount or order.amount <= 0:
        raise Conflict("this order has nothing to pay", slug="nothing-to-pay")


def ended(payment: Payment) -> Conflict:
    return Conflict(
        f"the payment is {payment.status} ({payment.reason or 'no reason'})",
        slug="payment-ended",
        status_now=payment.status,
    )


def qr_path(payment_id: str) -> str:
    return f"/api/payment/payments/{payment_id}/qr.svg"


def payment_body(payment: Payment) -> dict[str, Any]:
    """A payment as every answer shows it (refunds are added by the read view)."""
    return {
        "payment_id": payment.payment_id,
        "order_id": payment.order_id,
        "status": payment.status,
        "reason": payment.reason,
        "amount": payment.amount,
        "captured": payment.captured,
        "refunded_total": payment.refunded_total,
        "tid": payment.tid,
        "redirect_url": payment.redirect_url,
        "qr_url": qr_path(payment.payment_id),
        "created_at": payment.created_at.isoformat(),
        "settled_at": None if payment.settled_at is None else payment.settled_at.isoformat(),
    }


def refund_body(refund: Refund) -> dict[str, Any]:
    return {
        "refund_id": refund.refund_id,
        "amount": refund.amount,
        "reason": refund.reason,
        "status": refund.status,
        "created_at": refund.created_at.isoformat(),
    }
