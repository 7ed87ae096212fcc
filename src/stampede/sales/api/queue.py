"""The waiting room: ``POST /api/sales/{listing_id}/queue``, ``GET|DELETE
/api/sales/queue/{ticket}`` (polling with ETag), ``GET /api/sales/queue/{ticket}/events``
(server-sent events) and ``PUT /api/sales/{listing_id}/queue/rate`` (admins)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from stampede.kernel.auth import CurrentUser, Principal
from stampede.kernel.module import Runtime
from stampede.sales.handlers import queue as handlers
from stampede.sales.views import etag

router = APIRouter(tags=["sales"])
P = "/api/sales"
Ticket = Annotated[str, Path(min_length=3, max_length=80)]
STREAM_EVERY_S = 0.5
HEARTBEAT_EVERY = 30  # stream ticks between comment lines that keep proxies from timing out


class RateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rate_per_s: float | None = Field(..., gt=0, le=100_000)


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.post(f"{P}/{{listing_id}}/queue", status_code=201)
async def enter(listing_id: uuid.UUID, user: CurrentUser, request: Request) -> JSONResponse:
    """Join the sale's waiting room (201), or see your live ticket again (200)."""
    body, new = await handlers.enter_queue(_runtime(request), user, str(listing_id))
    return JSONResponse(body, status_code=201 if new else 200, headers={"ETag": etag(body)})


@router.get(f"{P}/queue/{{ticket}}")
async def place(
    ticket: Ticket,
    user: CurrentUser,
    request: Request,
    if_none_match: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """Your position and estimated wait; once admitted, the admission token for one hold."""
    body = await handlers.queue_place(_runtime(request), user, ticket)
    tag = etag(body)
    if if_none_match == tag:
        return Response(status_code=304, headers={"ETag": tag})
    return JSONResponse(body, headers={"ETag": tag, "Cache-Control": "no-cache"})


@router.get(f"{P}/queue/{{ticket}}/events")
async def place_events(ticket: Ticket, user: CurrentUser, request: Request) -> StreamingResponse:
    """The same as polling, pushed as server-sent events until admitted or gone."""
    runtime = _runtime(request)
    first = await handlers.queue_place(runtime, user, ticket)
    stream = _events(runtime, user, ticket, first)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)


async def _events(
    runtime: Runtime, user: Principal, ticket: str, body: dict[str, Any]
) -> AsyncIterator[str]:
    sent: dict[str, Any] | None = None
    ticks = 0
    while True:
        if body != sent:
            yield f"event: place\ndata: {json.dumps(body)}\n\n"
            sent = body
        if body["admitted"]:
            return
        ticks += 1
        if ticks % HEARTBEAT_EVERY == 0:
            yield ": waiting\n\n"
        await asyncio.sleep(STREAM_EVERY_S)
        try:
            body = await handlers.queue_place(runtime, user, ticket)
        except Exception:
            yield "event: gone\ndata: {}\n\n"
            return


@router.delete(f"{P}/queue/{{ticket}}", status_code=204)
async def leave(ticket: Ticket, user: CurrentUser, request: Request) -> Response:
    """Leave the waiting room; entering again puts you at the end."""
    await handlers.leave_queue(_runtime(request), user, ticket)
    return Response(status_code=204)


@router.put(f"{P}/{{listing_id}}/queue/rate", status_code=204)
async def set_rate(
    listing_id: uuid.UUID, body: RateIn, user: CurrentUser, request: Request
) -> Response:
    """Admit this many buyers per second from this sale's waiting room (null: the default);
    for admins and the business selling the listing."""
    await handlers.set_admission_rate(_runtime(request), user, str(listing_id), body.rate_per_s)
    return Response(status_code=204)
