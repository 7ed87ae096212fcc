"""Ordering's routes: ``/api/ordering/orders`` (buyers), ``/api/ordering/sales`` (businesses)
and the internal ``/internal/ordering/orders/{id}`` (payment)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from stampede.kernel.auth import CurrentUser, Principal, bearer
from stampede.kernel.errors import Forbidden
from stampede.kernel.idempotency import IdempotencyKey, Slot, once, response
from stampede.kernel.internal import ServiceCaller
from stampede.kernel.module import Runtime
from stampede.ordering.contracts import OrderFacts
from stampede.ordering.handlers.cancel import cancel_order
from stampede.ordering.handlers.place import PlaceAsk, place_order
from stampede.ordering.handlers.reads import order_facts, read_order, sales_history

router = APIRouter(tags=["ordering"])
P = "/api/ordering"


async def _seller(user: CurrentUser) -> Principal:
    if not (user.has("business") or user.has("admin")):
        raise Forbidden("requires the business role", slug="role-required")
    return user


Seller = Annotated[Principal, Depends(_seller)]


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hold_id: uuid.UUID
    shipping_address: str | None = Field(None, max_length=300)
    shop_id: uuid.UUID | None = None


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.post(f"{P}/orders", status_code=201)
async def create_order(
    body: OrderIn, user: CurrentUser, request: Request, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Turn a live hold into an order awaiting payment (``payment_due_at``). A repeat with the
    same Idempotency-Key answers the first order."""
    runtime = _runtime(request)
    token = bearer(request) or ""
    ask = PlaceAsk(
        str(body.hold_id),
        body.shipping_address,
        None if body.shop_id is None else str(body.shop_id),
    )

    async def work(slot: Slot) -> Any:
        return await place_order(runtime, user, token, ask, slot)

    payload = body.model_dump(mode="json")
    reply, replayed = await once(
        runtime.db, user.user_id, idempotency_key, "create_order", payload, work, runtime.now()
    )
    return response(reply, replayed)


@router.get(f"{P}/orders/{{order_id}}")
async def get_order(order_id: uuid.UUID, user: CurrentUser, request: Request) -> dict[str, Any]:
    return await read_order(_runtime(request), user, str(order_id))


@router.post(f"{P}/orders/{{order_id}}/cancel")
async def cancel(
    order_id: uuid.UUID, user: CurrentUser, request: Request, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Cancel before shipping, pick-up or the performance: refund and free the goods."""
    runtime = _runtime(request)

    async def work(slot: Slot) -> Any:
        return await cancel_order(runtime, user, str(order_id), slot)

    reply, replayed = await once(
        runtime.db,
        user.user_id,
        idempotency_key,
        "cancel_order",
        str(order_id),
        work,
        runtime.now(),
    )
    return response(reply, replayed)


@router.get(f"{P}/sales")
async def sales(
    user: Seller, request: Request, listing_id: Annotated[uuid.UUID | None, Query()] = None
) -> dict[str, Any]:
    """Sales history of the calling business: per listing orders, revenue and refunds."""
    chosen = None if listing_id is None else str(listing_id)
    return await sales_history(_runtime(request), user, chosen)


@router.get("/internal/ordering/orders/{order_id}")
async def internal_order(
    order_id: uuid.UUID, caller: ServiceCaller, request: Request
) -> OrderFacts:
    return await order_facts(_runtime(request), str(order_id))
