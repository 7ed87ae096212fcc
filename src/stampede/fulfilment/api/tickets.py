"""E-tickets: the buyer lists and reads them and shows their QR code; the seller's staff (or
an admin) read them and check them in at the door."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from stampede.fulfilment import handlers
from stampede.fulfilment.api.common import DEFAULT_LIMIT, Cursor, Limit, P, Staff, UowDep
from stampede.fulfilment.views import reads
from stampede.fulfilment.views.models import TicketPage, TicketView, ticket_view
from stampede.fulfilment.views.qr import MEDIA
from stampede.kernel.auth import CurrentUser

router = APIRouter(tags=["fulfilment"])


class CheckInIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=100)


def _image(media: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {media: {}}, "description": "the ticket's QR code"}}


@router.get(f"{P}/tickets")
async def tickets(
    user: CurrentUser,
    uow: UowDep,
    order_id: Annotated[uuid.UUID | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> TicketPage:
    """The caller's own tickets, of one order when ``order_id`` is given."""
    chosen = None if order_id is None else str(order_id)
    return await reads.tickets(uow, user, chosen, cursor, limit)


@router.get(f"{P}/tickets/{{ticket_id}}")
async def ticket(ticket_id: uuid.UUID, user: CurrentUser, uow: UowDep) -> TicketView:
    """For its buyer, its seller or an admin (404 for anyone else)."""
    return await reads.ticket(uow, user, str(ticket_id))


@router.get(
    f"{P}/tickets/{{ticket_id}}/qr.svg", response_class=Response, responses=_image(MEDIA["svg"])
)
async def qr_svg(ticket_id: uuid.UUID, user: CurrentUser, uow: UowDep) -> Response:
    return await _qr(uow, user, ticket_id, "svg")


@router.get(
    f"{P}/tickets/{{ticket_id}}/qr.png", response_class=Response, responses=_image(MEDIA["png"])
)
async def qr_png(ticket_id: uuid.UUID, user: CurrentUser, uow: UowDep) -> Response:
    return await _qr(uow, user, ticket_id, "png")


async def _qr(uow: UowDep, user: CurrentUser, ticket_id: uuid.UUID, image: str) -> Response:
    """The buyer's only (it holds the secret check-in code); never cached by others."""
    content = await reads.ticket_qr(uow, user, str(ticket_id), image)
    headers = {"Cache-Control": "private, no-store"}
    return Response(content, media_type=MEDIA[image], headers=headers)


@router.post(f"{P}/tickets/{{ticket_id}}/checkin")
async def check_in(ticket_id: uuid.UUID, body: CheckInIn, user: Staff, uow: UowDep) -> TicketView:
    """Once per ticket: 403 ``wrong-code``, 409 ``already-used`` or ``ticket-cancelled``."""
    return ticket_view(await handlers.check_in(uow, user, str(ticket_id), body.code))
