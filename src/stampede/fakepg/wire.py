"""What goes over the fake provider's API: the request bodies it accepts (unknown fields are
refused) and the answers it gives, shaped like KakaoPay's."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field

from stampede.fakepg.ledger import Transaction

Url = Annotated[str, Field(pattern=r"^https?://", max_length=1000)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReadyIn(_Body):
    cid: str = Field(min_length=1, max_length=20)
    partner_order_id: str = Field(min_length=1, max_length=100)
    partner_user_id: str = Field(min_length=1, max_length=100)
    item_name: str = Field(min_length=1, max_length=100)
    quantity: int = Field(ge=1)
    total_amount: int = Field(ge=1)
    tax_free_amount: int = Field(ge=0)
    approval_url: Url
    cancel_url: Url
    fail_url: Url


class ApproveIn(_Body):
    cid: str
    tid: str
    partner_order_id: str
    partner_user_id: str
    pg_token: str


class CancelIn(_Body):
    cid: str
    tid: str
    cancel_amount: int = Field(ge=0)
    cancel_tax_free_amount: int = Field(ge=0)


class OrderIn(_Body):
    cid: str
    tid: str


def ready_answer(txn: Transaction, base: str) -> dict[str, Any]:
    url = f"{base}/pay/{txn.tid}"
    return {
        "tid": txn.tid,
        "next_redirect_pc_url": url,
        "next_redirect_mobile_url": url,
        "next_redirect_app_url": url,
        "android_app_scheme": url,
        "ios_app_scheme": url,
        "created_at": txn.created_at.isoformat(),
    }


def approve_answer(txn: Transaction) -> dict[str, Any]:
    order = txn.order
    return {
        "aid": txn.aid,
        "tid": txn.tid,
        "cid": order.cid,
        "partner_order_id": order.partner_order_id,
        "partner_user_id": order.partner_user_id,
        "payment_method_type": "MONEY",
        "item_name": order.item_name,
        "quantity": order.quantity,
        "amount": {"total": order.total_amount, "tax_free": order.tax_free_amount},
        "created_at": txn.created_at.isoformat(),
        "approved_at": txn.approved_at.isoformat() if txn.approved_at else None,
    }


def cancel_answer(txn: Transaction, amount: int) -> dict[str, Any]:
    return {**txn.view(), "aid": txn.aid, "approved_cancel_amount": {"total": amount}}


def with_query(url: str, **params: str) -> str:
    """``url`` with ``params`` added to its query string."""
    parts = urlsplit(url)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params.items()])
    return urlunsplit(parts._replace(query=query))
