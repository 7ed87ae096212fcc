"""What a user changes: read marks and their notification choices."""

from __future__ import annotations

from collections.abc import Mapping

from stampede.kernel.errors import NotFound, Unprocessable
from stampede.notification.domain.topics import Channel, Topic, changeable
from stampede.notification.store import NotificationUoW


async def mark_read(uow: NotificationUoW, user_id: str, notice_id: str) -> None:
    """Mark the caller's inbox entry read (again is fine); someone else's is a 404."""
    async with uow:
        if not await uow.notices.mark_read(user_id, notice_id):
            raise NotFound("no such notification", slug="no-notification")
        await uow.commit()


async def set_preferences(
    uow: NotificationUoW, user_id: str, wanted: Mapping[str, Mapping[str, bool]]
) -> None:
    """Replace the caller's choices; a topic or channel left out goes back to on. Turning off
    what cannot be turned off (verification mail) is a 422."""
    choices: dict[tuple[str, str], bool] = {}
    for topic_name, channels in wanted.items():
        for channel_name, enabled in channels.items():
            topic, channel = Topic(topic_name), Channel(channel_name)
            if not enabled and not changeable(topic, channel):
                raise Unprocessable(
                    "verification mail cannot be turned off", slug="preference-fixed"
                )
            if not enabled:
                choices[(topic.value, channel.value)] = False
    async with uow:
        await uow.preferences.replace(user_id, choices)
        await uow.commit()
