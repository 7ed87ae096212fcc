"""Notification's HTTP API under ``/api/notification``; every route is the caller's own."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict

from stampede.kernel.auth import CurrentUser
from stampede.notification import handlers, views
from stampede.notification.domain.topics import Channel, Topic
from stampede.notification.store import NotificationUoW
from stampede.notification.views import MAX_PAGE, InboxPage, PreferencesView

router = APIRouter(tags=["notification"])
P = "/api/notification"


async def uow(request: Request) -> NotificationUoW:
    return NotificationUoW(request.app.state.runtime)


UowDep = Annotated[NotificationUoW, Depends(uow)]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]


class PreferencesIn(BaseModel):
    """``topic → channel → on``; what is left out is on."""

    model_config = ConfigDict(extra="forbid")
    preferences: dict[Topic, dict[Channel, bool]]


@router.get(f"{P}/inbox")
async def inbox(
    user: CurrentUser, uow: UowDep, cursor: Cursor = None, limit: Limit = 20
) -> InboxPage:
    return await views.inbox(uow, user.user_id, cursor, limit)


@router.post(f"{P}/inbox/{{notice_id}}/read", status_code=204)
async def mark_read(notice_id: uuid.UUID, user: CurrentUser, uow: UowDep) -> None:
    await handlers.mark_read(uow, user.user_id, str(notice_id))


@router.get(f"{P}/preferences")
async def preferences(user: CurrentUser, uow: UowDep) -> PreferencesView:
    return await views.preferences(uow, user.user_id)


@router.put(f"{P}/preferences")
async def set_preferences(body: PreferencesIn, user: CurrentUser, uow: UowDep) -> PreferencesView:
    wanted = {
        t.value: {c.value: on for c, on in chans.items()} for t, chans in body.preferences.items()
    }
    await handlers.set_preferences(uow, user.user_id, wanted)
    return await views.preferences(uow, user.user_id)
