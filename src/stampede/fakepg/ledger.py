"""The fake provider's transactions, in memory, with the rules of KakaoPay's single payment.

A transaction is ``READY`` after ``ready``; the buyer's page approves it (a ``pg_token`` for
the partner) or quits it (``QUIT_PAYMENT``); the partner's ``approve`` with that token captures
the whole amount once (``SUCCESS_PAYMENT``; a second approve of the same tid is refused) or is
declined (``FAIL_PAYMENT``); ``cancel`` gives back part (``PART_CANCEL_PAYMENT``) or all
(``CANCEL_PAYMENT``) of what was captured, never more, or calls off a ``READY`` one. Every
operation is synchronous, so on one event loop each is atomic.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

APPROVED = frozenset({"SUCCESS_PAYMENT", "PART_CANCEL_PAYMENT", "CANCEL_PAYMENT"})


class PgError(Exception):
    """A refusal in KakaoPay's error shape; ``status`` is the HTTP status."""

    def __init__(self, code: int, message: str, status: int = 400, **extras: str) -> None:
        super().__init__(message)
        self.code, self.message, self.status, self.extras = code, message, status, extras

    def body(self) -> dict[str, Any]:
        found: dict[str, Any] = {"error_code": self.code, "error_message": self.message}
        if self.extras:
            found["extras"] = self.extras
        return found


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


@dataclass
class Order:
    """What the partner asked for in ``ready``."""

    cid: str
    partner_order_id: str
    partner_user_id: str
    item_name: str
    quantity: int
    total_amount: int
    tax_free_amount: int
    approval_url: str
    cancel_url: str
    fail_url: str


@dataclass
class Transaction:
    tid: str
    order: Order
    status: str = "READY"
    pg_token: str | None = None
    aid: str | None = None
    canceled: int = 0
    created_at: datetime = field(default_factory=_now)
    approved_at: datetime | None = None
    canceled_at: datetime | None = None

    @property
    def captured(self) -> int:
        return self.order.total_amount if self.approved_at is not None else 0

    def view(self) -> dict[str, Any]:
        """The answer of ``/v1/payment/order``."""
        return {
            "tid": self.tid,
            "cid": self.order.cid,
            "status": self.status,
            "partner_order_id": self.order.partner_order_id,
            "partner_user_id": self.order.partner_user_id,
            "item_name": self.order.item_name,
            "quantity": self.order.quantity,
            "amount": {"total": self.order.total_amount},
            "canceled_amount": {"total": self.canceled},
            "cancel_available_amount": {"total": self.captured - self.canceled},
            "created_at": _iso(self.created_at),
            "approved_at": _iso(self.approved_at),
            "canceled_at": _iso(self.canceled_at),
        }


@dataclass
class Stats:
    """What happened, for tests and benchmarks (``GET /admin/stats``)."""

    ready: int = 0
    approved: int = 0
    approve_refused: int = 0
    declined: int = 0
    canceled: int = 0
    cancel_refused: int = 0
    timeouts: int = 0
    lost_replies: int = 0
    duplicate_callbacks: int = 0


class Ledger:
    def __init__(self) -> None:
        self.transactions: dict[str, Transaction] = {}
        self.stats = Stats()

    def get(self, tid: str, cid: str | None = None) -> Transaction:
        found = self.transactions.get(tid)
        if found is None or (cid is not None and found.order.cid != cid):
            raise PgError(-708, "invalid tid", status=404 if cid is None else 400)
        return found

    def ready(self, order: Order) -> Transaction:
        tid = "T" + secrets.token_hex(10)
        txn = self.transactions[tid] = Transaction(tid, order)
        self.stats.ready += 1
        return txn

    def buyer_approves(self, tid: str) -> Transaction:
        """The buyer pressed Approve: a pg_token for the partner (the same one on a repeat)."""
        txn = self.get(tid)
        if txn.status != "READY":
            raise PgError(-702, f"the payment is {txn.status}")
        txn.pg_token = txn.pg_token or secrets.token_hex(10)
        return txn

    def buyer_quits(self, tid: str) -> Transaction:
        txn = self.get(tid)
        if txn.status == "READY":
            txn.status = "QUIT_PAYMENT"
        return txn

    def approve(self, tid: str, cid: str, asked: dict[str, str], declined: bool) -> Transaction:
        """Capture once; anything else about the ask that does not match is refused."""
        txn = self.get(tid, cid)
        self._check_approvable(txn, asked)
        if declined:
            txn.status = "FAIL_PAYMENT"
            self.stats.declined += 1
            raise PgError(-780, "approval failure", method_result_code="DECLINED")
        txn.status, txn.approved_at = "SUCCESS_PAYMENT", _now()
        txn.aid = "A" + secrets.token_hex(10)
        self.stats.approved += 1
        return txn

    def _check_approvable(self, txn: Transaction, asked: dict[str, str]) -> None:
        order = txn.order
        if (asked["partner_order_id"], asked["partner_user_id"]) != (
            order.partner_order_id,
            order.partner_user_id,
        ):
            self.stats.approve_refused += 1
            raise PgError(-721, "partner_order_id or partner_user_id does not match the tid")
        if txn.status != "READY":
            self.stats.approve_refused += 1
            raise PgError(-702, f"the payment is {txn.status}; it cannot be approved")
        if txn.pg_token is None or not secrets.compare_digest(txn.pg_token, asked["pg_token"]):
            self.stats.approve_refused += 1
            raise PgError(-782, "invalid pg_token")

    def cancel(self, tid: str, cid: str, amount: int) -> Transaction:
        """Give back ``amount`` of what was captured, or call off a READY transaction."""
        txn = self.get(tid, cid)
        if txn.status == "QUIT_PAYMENT":
            return txn
        if txn.status == "READY":
            txn.status, txn.canceled_at = "CANCEL_PAYMENT", _now()
            self.stats.canceled += 1
            return txn
        available = txn.captured - txn.canceled
        if txn.status not in APPROVED or available == 0:
            self.stats.cancel_refused += 1
            raise PgError(-799, f"the payment is {txn.status}; nothing can be cancelled")
        if not 0 < amount <= available:
            self.stats.cancel_refused += 1
            raise PgError(-798, f"cancel_amount {amount} is not within 1..{available}")
        txn.canceled += amount
        txn.canceled_at = _now()
        txn.status = "CANCEL_PAYMENT" if txn.canceled == txn.captured else "PART_CANCEL_PAYMENT"
        self.stats.canceled += 1
        return txn
