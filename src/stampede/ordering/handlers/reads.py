"""Reading orders: the buyer's own, the seller's sales history, and payment's internal view."""

from __future__ import annotations

from typing import Any

from stampede.kernel.auth import Principal
from stampede.kernel.errors import NotFound
from stampede.kernel.module import Runtime
from stampede.ordering.contracts import OrderFacts
from stampede.ordering.domain.orders import Order
from stampede.ordering.store import OrderingUoW
from stampede.ordering.views import history_view, order_view, steps_view

HISTORY_ORDERS = 100


def _may_see(user: Principal, order: Order) -> bool:
    return user.user_id in (order.user_id, order.seller_id) or user.has("admin")


async def read_order(runtime: Runtime, user: Principal, order_id: str) -> dict[str, Any]:
    """The order with its saga steps: for its buyer, its seller or an admin (404 otherwise)."""
    async with OrderingUoW(runtime) as uow:
        order = await uow.orders.get(order_id)
        if order is None or not _may_see(user, order):
            raise NotFound("no such order", slug="no-order")
        steps = await uow.steps.of_order(order_id)
    return {**order_view(order), "saga": steps_view(steps)}


async def order_facts(runtime: Runtime, order_id: str) -> OrderFacts:
    async with OrderingUoW(runtime) as uow:
        order = await uow.orders.get(order_id)
    if order is None:
        raise NotFound("no such order", slug="no-order")
    return OrderFacts(
        order_id=order.order_id,
        user_id=order.user_id,
        seller_id=order.seller_id,
        listing_id=order.listing_id,
        title=order.title,
        amount=order.amount,
        status=order.status,
        payment_due_at=order.payment_due_at,
    )


async def sales_history(
    runtime: Runtime, user: Principal, listing_id: str | None
) -> dict[str, Any]:
    """Orders, revenue and refunds per listing of the calling business (an admin sees all)."""
    seller = None if user.has("admin") else user.user_id
    async with OrderingUoW(runtime) as uow:
        totals = await uow.orders.totals(seller, listing_id)
        recent = await uow.orders.of_seller(seller, listing_id, HISTORY_ORDERS)
    return history_view(totals, recent)
