"""Payment's routes: ``/api/payment/payments`` (buyers, sellers, admins) and the signed internal
``/internal/payment/orders/{order_id}/{void,refund}`` (ordering)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from stampede.kernel.auth import CurrentUser, Principal
from stampede.kernel.errors import BadRequest, Forbidden
from stampede.kernel.idempotency import IdempotencyKey, Reply, Slot, once, response
from stampede.kernel.internal import ServiceCaller
from stampede.kernel.module import Runtime
from stampede.payment import handlers, views
from stampede.payment.contracts import RefundAnswer, RefundAsk, VoidAnswer

router = APIRouter(tags=["payment"])
P = "/api/payment"


async def _seller(user: CurrentUser) -> Principal:
    if not (user.has("business") or user.has("admin")):
        raise Forbidden("requires the business role", slug="role-required")
    return user


Seller = Annotated[Principal, Depends(_seller)]
Mode = Annotated[Literal["async", "sync"] | None, Query()]


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_id: uuid.UUID


class ApproveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pg_token: str = Field(min_length=1, max_length=200)


class RefundIn(BaseModel):
    """``amount`` left out: everything not yet refunded."""

    model_config = ConfigDict(extra="forbid")
    amount: int | None = Field(None, ge=1)
    reason: str = Field("seller", min_length=1, max_length=40)


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def _once(
    request: Request, user: Principal, key: str | None, operation: str, body: Any, work: Any
) -> JSONResponse:
    runtime = _runtime(request)
    reply, replayed = await once(
        runtime.db, user.user_id, key, operation, body, work, runtime.now()
    )
    return response(reply, replayed)


@router.post(f"{P}/payments", status_code=201)
async def create_payment(
    body: PaymentIn, user: CurrentUser, request: Request, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Start paying one's own order: the provider's transaction and the page (``redirect_url``,
    ``qr_url``) where one approves. A repeat with the same Idempotency-Key answers the first."""
    runtime, order_id = _runtime(request), str(body.order_id)

    async def work(slot: Slot) -> Reply:
        return await handlers.create_payment(runtime, user, order_id, slot)

    payload = body.model_dump(mode="json")
    return await _once(request, user, idempotency_key, "create_payment", payload, work)


@router.get(f"{P}/payments/{{payment_id}}")
async def get_payment(payment_id: uuid.UUID, user: CurrentUser, request: Request) -> dict[str, Any]:
    """The payment with its refunds, for its buyer, the order's seller or an admin."""
    return await views.read_payment(_runtime(request), user, str(payment_id))


@router.get(f"{P}/payments/{{payment_id}}/qr.svg", response_class=Response)
async def payment_qr(payment_id: uuid.UUID, user: CurrentUser, request: Request) -> Response:
    svg = await views.qr_svg(_runtime(request), user, str(payment_id))
    return Response(svg, media_type="image/svg+xml")


@router.get(f"{P}/orders/{{order_id}}/payment")
async def get_order_payment(
    order_id: uuid.UUID, user: CurrentUser, request: Request
) -> dict[str, Any]:
    """The order's newest payment, for its buyer, the order's seller or an admin."""
    return await views.order_payment(_runtime(request), user, str(order_id))


@router.post(f"{P}/payments/{{payment_id}}/approve")
async def approve(
    payment_id: uuid.UUID,
    body: ApproveIn,
    user: CurrentUser,
    request: Request,
    mode: Mode = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """The buyer approves with the provider's ``pg_token``: 202 ``approving`` (async) or 200
    with the outcome (sync: ``PAYMENT_APPROVAL=sync`` or ``?mode=sync``). Approving again —
    a duplicate callback, a double click — captures once."""
    runtime, chosen = _runtime(request), str(payment_id)
    sync = (mode or runtime.settings.payment_approval) == "sync"

    async def work(slot: Slot) -> Reply:
        return await handlers.approve_payment(runtime, user, chosen, body.pg_token, sync, slot)

    payload = {"payment_id": chosen, "pg_token": body.pg_token, "sync": sync}
    return await _once(request, user, idempotency_key, "approve_payment", payload, work)


@router.post(f"{P}/payments/{{payment_id}}/cancel")
async def give_up(payment_id: uuid.UUID, user: CurrentUser, request: Request) -> dict[str, Any]:
    """The buyer gives up before approving (the provider's cancel or fail page sends them)."""
    return await handlers.give_up(_runtime(request), user, str(payment_id))


@router.post(f"{P}/payments/{{payment_id}}/refund", status_code=201)
async def refund(
    payment_id: uuid.UUID,
    body: RefundIn,
    user: Seller,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """The order's seller or an admin refunds ``amount`` (default: all that is left), once per
    Idempotency-Key (required). More than is left is a 409 ``refund-exceeds-capture``."""
    if idempotency_key is None:
        raise BadRequest("refunds need an Idempotency-Key header", slug="idempotency-key-required")
    runtime, chosen = _runtime(request), str(payment_id)
    asked = handlers.Asked(idempotency_key, body.amount, body.reason)

    async def work(slot: Slot) -> Reply:
        return await handlers.refund_payment(runtime, user, chosen, asked, slot)

    payload = {"payment_id": chosen, **body.model_dump()}
    return await _once(request, user, idempotency_key, "refund_payment", payload, work)


@router.post("/internal/payment/orders/{order_id}/void")
async def void(order_id: uuid.UUID, caller: ServiceCaller, request: Request) -> VoidAnswer:
    return await handlers.void_order(_runtime(request), str(order_id))


@router.post("/internal/payment/orders/{order_id}/refund")
async def refund_order(
    order_id: uuid.UUID, body: RefundAsk, caller: ServiceCaller, request: Request
) -> RefundAnswer:
    return await handlers.refund_order(_runtime(request), str(order_id), body)
