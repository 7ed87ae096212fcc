"""Ordering's signed commands (see :mod:`stampede.fulfilment.contracts`): arrange what a paid
order gets, and call it off. Not part of the public API; the gateway never routes here."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from pydantic import ConfigDict

from stampede.fulfilment import handlers
from stampede.fulfilment.api.common import UowDep
from stampede.fulfilment.contracts import ArrangeAsk, Arranged
from stampede.kernel.internal import ServiceCaller

router = APIRouter(tags=["fulfilment"])
INTERNAL = "/internal/fulfilment"


class ArrangeIn(ArrangeAsk):
    model_config = ConfigDict(extra="forbid")


@router.post(f"{INTERNAL}/orders", status_code=201, include_in_schema=False)
async def arrange(
    body: ArrangeIn, caller: ServiceCaller, uow: UowDep, response: Response
) -> Arranged:
    """201 when arranged now; 200 with the same answer when arranged (or called off) before."""
    arranged, created = await handlers.arrange(uow, body)
    if not created:
        response.status_code = 200
    return arranged


@router.post(f"{INTERNAL}/orders/{{order_id}}/cancel", include_in_schema=False)
async def cancel(order_id: uuid.UUID, caller: ServiceCaller, uow: UowDep) -> Arranged:
    """``state = cancelled``, also when repeated or nothing was arranged; 409 ``too-late``."""
    return await handlers.call_off(uow, str(order_id))
