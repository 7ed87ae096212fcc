"""``POST /api/sales/holds`` (Idempotency-Key), ``GET|DELETE /api/sales/holds/{id}`` and
``GET /api/sales/{listing_id}/availability`` (what is left now)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse

from stampede.kernel.auth import CurrentUser
from stampede.kernel.module import Runtime
from stampede.sales.api.bodies import HoldIn, IdemKey
from stampede.sales.handlers import availability as left
from stampede.sales.handlers import holds as handlers
from stampede.sales.views import hold_view

router = APIRouter(tags=["sales"])
P = "/api/sales"
PROBLEMS: dict[int | str, dict[str, Any]] = {
    403: {"description": "not admitted; admission token forged, someone else's, used or expired"},
    409: {"description": "sold out, taken, sale not open, or the first request is in flight"},
    429: {"description": "over the per-user limit for this sale"},
}


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.post(f"{P}/holds", status_code=201, responses=PROBLEMS)
async def create_hold(
    body: HoldIn,
    user: CurrentUser,
    request: Request,
    idempotency_key: Annotated[IdemKey | None, Header()] = None,
) -> JSONResponse:
    """Hold stock, seats, a unit or car days for a few minutes, in one atomic step. A repeat
    with the same Idempotency-Key answers the first hold (header ``Idempotent-Replayed``)."""
    runtime = _runtime(request)
    ask = body.ask(handlers.sale_kind(runtime, str(body.listing_id)), idempotency_key)
    hold, replayed = await handlers.place_hold(runtime, user, ask)
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    return JSONResponse(hold_view(hold), status_code=201, headers=headers)


@router.get(f"{P}/{{listing_id}}/availability")
async def availability(listing_id: uuid.UUID, request: Request) -> dict[str, Any]:
    """What is left now (anyone may ask): ``seats_taken`` of a performance, ``units_free`` per
    shop of a phone; ``{}`` for other sales."""
    return await left.availability(_runtime(request), str(listing_id))


@router.get(f"{P}/holds/{{hold_id}}")
async def get_hold(hold_id: uuid.UUID, user: CurrentUser, request: Request) -> dict[str, Any]:
    hold, state, created_at = await handlers.read_hold(_runtime(request), user, str(hold_id))
    return {**hold_view(hold, state), "created_at": created_at}


@router.delete(f"{P}/holds/{{hold_id}}", status_code=204)
async def delete_hold(hold_id: uuid.UUID, user: CurrentUser, request: Request) -> Response:
    """Give the hold back now; its goods are free at once. Repeating it changes nothing."""
    await handlers.release_hold(_runtime(request), user, str(hold_id))
    return Response(status_code=204)
