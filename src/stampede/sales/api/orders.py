"""Ordering's signed commands on holds (see :mod:`stampede.sales.contracts`): take a buyer's
hold for an order, and give it back. Not public: the gateway routes only ``/api/...``, and
every route here needs the ``X-Stampede-Service`` signature (401 without, 403 forged)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from pydantic import ConfigDict, field_validator

from stampede.kernel.internal import ServiceCaller
from stampede.kernel.module import Runtime
from stampede.sales.contracts import GiveBackHold, GivenBack, TakeHold, TakenHold
from stampede.sales.handlers import orders

router = APIRouter(tags=["sales"])
INTERNAL = "/internal/sales"


def _uuid(value: str) -> str:
    """A UUID in its usual lower-case form; anything else is a 422."""
    return str(uuid.UUID(value))


class TakeIn(TakeHold):
    model_config = ConfigDict(extra="forbid")
    _ids = field_validator("order_id", "user_id")(_uuid)


class GiveBackIn(GiveBackHold):
    model_config = ConfigDict(extra="forbid")
    _ids = field_validator("order_id")(_uuid)


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.post(f"{INTERNAL}/holds/{{hold_id}}/take", include_in_schema=False)
async def take(
    hold_id: uuid.UUID, body: TakeIn, caller: ServiceCaller, request: Request
) -> TakenHold:
    """The hold is the order's now and no longer expires; the same again for the same order.
    404 ``no-hold`` (not the user's), 409 ``hold-ended`` or ``hold-taken``, 503 try again."""
    return await orders.take_hold(_runtime(request), str(hold_id), body.order_id, body.user_id)


@router.post(f"{INTERNAL}/holds/{{hold_id}}/give-back", include_in_schema=False)
async def give_back(
    hold_id: uuid.UUID, body: GiveBackIn, caller: ServiceCaller, request: Request
) -> GivenBack:
    """``released`` is true once, for the call that freed the goods; 404, 409 ``hold-taken``."""
    released = await orders.give_back_hold(_runtime(request), str(hold_id), body.order_id)
    return GivenBack(released=released)
