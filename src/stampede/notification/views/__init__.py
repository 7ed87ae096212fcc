"""What a user reads: their inbox (newest first, with the unread count) and their choices."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from pydantic import BaseModel

from stampede.kernel.errors import Unprocessable
from stampede.notification.domain.topics import settings_view
from stampede.notification.store import Notice, NotificationUoW

DEFAULT_PAGE, MAX_PAGE = 20, 100


class NoticeView(BaseModel):
    id: str
    kind: str
    title: str
    body: str
    link: str
    created_at: datetime
    read: bool


class InboxPage(BaseModel):
    items: list[NoticeView]
    unread: int
    next_cursor: str | None


class PreferencesView(BaseModel):
    """``topic → channel → on``; ``account``/``email`` (verification) is always on."""

    preferences: dict[str, dict[str, bool]]


def encode_cursor(notice: Notice) -> str:
    raw = f"{notice.created_at.astimezone(UTC).isoformat()}|{notice.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        at, notice_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(at), notice_id
    except ValueError as exc:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise Unprocessable("the cursor is not one this API gave out", slug="bad-cursor") from exc


def _view(notice: Notice) -> NoticeView:
    return NoticeView(
        id=notice.id,
        kind=notice.kind,
        title=notice.title,
        body=notice.body,
        link=notice.link,
        created_at=notice.created_at.astimezone(UTC),
        read=notice.read_at is not None,
    )


async def inbox(uow: NotificationUoW, user_id: str, cursor: str | None, limit: int) -> InboxPage:
    before = decode_cursor(cursor) if cursor else None
    limit = max(1, min(limit, MAX_PAGE))
    async with uow:
        rows = await uow.notices.page(user_id, before, limit + 1)
        shown = rows[:limit]
        return InboxPage(
            items=[_view(row) for row in shown],
            unread=await uow.notices.unread(user_id),
            next_cursor=encode_cursor(shown[-1]) if len(rows) > limit else None,
        )


async def preferences(uow: NotificationUoW, user_id: str) -> PreferencesView:
    async with uow:
        choices = await uow.preferences.of(user_id)
    return PreferencesView(preferences=settings_view(choices))
