"""The inbox (newest first, with the unread count) and the notification choices grid."""

from __future__ import annotations

from typing import Any

from stampede.web.handlers.session import Visit

TOPICS = ("account", "orders", "order_status", "deal_alerts", "keyword_alerts")
CHANNELS = ("email", "inbox")
ALWAYS_ON = frozenset({("account", "email")})  # verification mail is always sent


async def inbox(visit: Visit, cursor: str | None) -> dict[str, Any]:
    """A page of the inbox: ``items``, ``unread`` and ``next_cursor``."""
    params = {"cursor": cursor} if cursor else {}
    page: dict[str, Any] = await visit.get("/api/notification/inbox", params=params)
    return page


async def mark_read(visit: Visit, notice_id: str) -> None:
    await visit.post(f"/api/notification/inbox/{notice_id}/read")


def box_name(topic: str, channel: str) -> str:
    return f"{topic}.{channel}"


async def preferences(visit: Visit) -> dict[str, dict[str, bool]]:
    """``topic → channel → on`` for every topic and channel."""
    found = await visit.get("/api/notification/preferences")
    return dict(found.get("preferences", {}))


def wanted(form: dict[str, str]) -> dict[str, dict[str, bool]]:
    """The grid as submitted: a box left unticked is off (an always-on one stays on)."""
    return {
        topic: {
            channel: (topic, channel) in ALWAYS_ON or box_name(topic, channel) in form
            for channel in CHANNELS
        }
        for topic in TOPICS
    }


async def set_preferences(visit: Visit, form: dict[str, str]) -> None:
    await visit.put("/api/notification/preferences", {"preferences": wanted(form)})
