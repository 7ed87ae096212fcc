"""Payment's use cases — start, approve, give up, void, refund — its copy of orders, and the
reconciler that settles what the provider left unanswered."""

from __future__ import annotations

from stampede.payment.handlers.approve import approve_payment, open_approvals
from stampede.payment.handlers.create import create_payment
from stampede.payment.handlers.orders import ORDERS
from stampede.payment.handlers.reconcile import reconcile_once, run_reconciler
from stampede.payment.handlers.refund import Asked, refund_order, refund_payment
from stampede.payment.handlers.void import give_up, void_order

SUBSCRIPTIONS = ORDERS

__all__ = [
    "SUBSCRIPTIONS",
    "Asked",
    "approve_payment",
    "create_payment",
    "give_up",
    "open_approvals",
    "reconcile_once",
    "refund_order",
    "refund_payment",
    "run_reconciler",
    "void_order",
]
