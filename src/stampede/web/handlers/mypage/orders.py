"""A buyer's orders: the list (by kind, with cursor paging), one order with what can be done
with it now, cancelling (a refund for what was paid), and writing a review once it completed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from stampede.web.handlers.session import Visit
from stampede.web.store import ApiProblem

KINDS = ("deal", "performance", "device", "car")
UNPAID = "PENDING_PAYMENT"
REFUNDABLE = frozenset({"PAID", "CONFIRMED"})  # cancelling these gives the money back
ORDERING = "/api/ordering/orders"


@dataclass
class OrderPage:
    """One order as its page shows it."""

    order: dict[str, Any]
    ready: bool  # False while my page has not yet heard of the order (shown from ordering)
    actions: list[str] = field(default_factory=list)  # "cancel", "refund", "pay", "review"
    action_key: str = field(default_factory=lambda: str(uuid.uuid4()))


def chosen_kind(kind: str | None) -> str | None:
    return kind if kind in KINDS else None


async def orders(visit: Visit, kind: str | None, cursor: str | None) -> dict[str, Any]:
    """A page of the visitor's orders, newest first: ``items`` and ``next_cursor``."""
    params = {name: value for name, value in (("kind", kind), ("cursor", cursor)) if value}
    page: dict[str, Any] = await visit.get("/api/mypage/orders", params=params)
    return page


async def order_page(visit: Visit, order_id: str) -> OrderPage:
    """The visitor's order (404 for anyone else's) and the actions its status allows."""
    try:
        order = await visit.get(f"/api/mypage/orders/{order_id}")
    except ApiProblem as problem:
        if problem.status != 404:
            raise
        return OrderPage(await _just_placed(visit, order_id, problem), ready=False)
    return OrderPage(order, ready=True, actions=await _actions(visit, order))


async def _just_placed(visit: Visit, order_id: str, missing: ApiProblem) -> dict[str, Any]:
    """An order my page has not heard of yet, as ordering knows it (else the 404 stands)."""
    try:
        order: dict[str, Any] = await visit.get(f"{ORDERING}/{order_id}")
    except ApiProblem:
        raise missing from None
    order.setdefault("placed_at", order.get("created_at"))
    return order


async def _actions(visit: Visit, order: dict[str, Any]) -> list[str]:
    status = order.get("status")
    actions = []
    if status == UNPAID:
        actions += ["pay", "cancel"]
    if status in REFUNDABLE:
        actions += ["cancel", "refund"]
    if status == "COMPLETED" and await reviewable(visit, str(order["order_id"])):
        actions.append("review")
    return actions


async def reviewable(visit: Visit, order_id: str) -> dict[str, Any] | None:
    """The visitor's completed order ``order_id`` when it waits for a review."""
    waiting = await visit.get("/api/community/reviewable")
    return next((item for item in waiting if item.get("order_id") == order_id), None)


async def cancel(visit: Visit, order_id: str, key: str) -> dict[str, Any]:
    """Cancel the order (what was paid is refunded); the same ``key`` cancels once."""
    headers = {"Idempotency-Key": key or str(uuid.uuid4())}
    done: dict[str, Any] = await visit.post(f"{ORDERING}/{order_id}/cancel", headers=headers)
    return done


async def write_review(visit: Visit, form: dict[str, str]) -> None:
    """Post the stars and text for the completed order named in ``form``."""
    stars = form.get("stars", "")
    body = {
        "listing_id": form.get("listing_id") or None,
        "order_id": form.get("order_id") or None,
        "stars": int(stars) if stars.isdigit() else 0,
        "body": form.get("body", ""),
    }
    await visit.post("/api/community/reviews", body)


async def ticket_qr(visit: Visit, ticket_id: str) -> tuple[int, bytes, str]:
    """The ticket's QR image as the API answered it: status, bytes, content type."""
    answer = await visit.raw("GET", f"/api/fulfilment/tickets/{ticket_id}/qr.svg")
    kind = answer.headers.get("content-type", "image/svg+xml")
    return answer.status_code, answer.content, kind
