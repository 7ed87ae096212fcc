"""What payment tells other contexts; the only payment module they may import.

Events carry the payment, its order and its buyer. Internal routes (for ordering, signed, see
:mod:`stampede.kernel.internal`):

* ``POST /internal/payment/orders/{order_id}/void`` → :class:`VoidAnswer`: no payment of the
  order can be approved after this answer says ``voided`` (a ready payment is cancelled at the
  provider); ``approved`` means it already was (the caller treats the order as paid);
  409 ``approval-in-flight`` while an approval is with the provider (ask again shortly).
  Repeating it gives the same answer.
* ``POST /internal/payment/orders/{order_id}/refund`` :class:`RefundAsk` →
  :class:`RefundAnswer`: refund ``amount`` (None: everything not yet refunded) of the order's
  captured payment, once per ``key``; ``refunded_total`` never passes ``captured`` (a database
  constraint). An order without a captured payment answers ``captured = 0`` and refunds
  nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, Field

from stampede.kernel.messages import Event


class PaymentEvent(Event):
    source: ClassVar[str] = "payment"

    payment_id: str
    order_id: str
    user_id: str
    amount: int
    at: datetime


class PaymentReady(PaymentEvent):
    """The provider gave a transaction id and an approval URL/QR; the buyer must approve."""

    tid: str


class PaymentApproved(PaymentEvent):
    """The provider captured ``amount``."""

    captured: int


class PaymentFailed(PaymentEvent):
    """The payment ended without capture: ``declined``, ``timeout``, ``cancelled`` (by the
    buyer at the provider), ``voided`` (the order ended first) or ``provider_error``."""

    reason: str


class PaymentRefunded(PaymentEvent):
    """``refunded`` went back to the buyer; ``refunded_total`` of ``captured`` so far."""

    refund_id: str
    refunded: int
    refunded_total: int
    captured: int
    reason: str


class VoidAnswer(BaseModel):
    state: str  # voided | approved
    payment_id: str | None = None
    captured: int = 0


class RefundAsk(BaseModel):
    key: str = Field(min_length=1, max_length=255)
    amount: int | None = Field(None, ge=1)
    reason: str = Field("customer", max_length=40)


class RefundAnswer(BaseModel):
    refund_id: str | None
    refunded: int
    refunded_total: int
    captured: int
