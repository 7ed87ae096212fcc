"""Notification's repositories: all of its SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select, update

from stampede.kernel.db import Repository
from stampede.kernel.messages import now
from stampede.notification.store.tables import (
    Delivery,
    Keyword,
    Notice,
    OrderCopy,
    Preference,
    Recipient,
)


class Recipients(Repository):
    async def get(self, user_id: str) -> Recipient | None:
        return await self.session.get(Recipient, user_id)

    async def put(self, user_id: str, **fields: str) -> Recipient:
        """Create or update the copy of a user; empty values leave what is known. The row is
        made in one statement first, so two events of a new user racing meet on one row."""
        await self.session.execute(
            self.insert(Recipient).values(user_id=user_id).on_conflict_do_nothing()
        )
        found = await self.session.get(Recipient, user_id, with_for_update=True)
        assert found is not None
        for name, value in fields.items():
            if value:
                setattr(found, name, value)
        await self.session.flush()
        return found


class Keywords(Repository):
    async def add(self, subscription_id: str, user_id: str, keyword: str) -> None:
        if await self.session.get(Keyword, subscription_id) is None:
            self.session.add(
                Keyword(subscription_id=subscription_id, user_id=user_id, keyword=keyword)
            )
            await self.session.flush()

    async def remove(self, subscription_id: str) -> None:
        await self.session.execute(
            delete(Keyword).where(Keyword.subscription_id == subscription_id)
        )

    async def all(self) -> Sequence[Keyword]:
        return (await self.session.scalars(select(Keyword).order_by(Keyword.user_id))).all()


class Notices(Repository):
    async def add(self, notice: Notice) -> None:
        self.session.add(notice)
        await self.session.flush()

    async def page(
        self, user_id: str, before: tuple[datetime, str] | None, limit: int
    ) -> Sequence[Notice]:
        """Newest first; ``before`` is the (created_at, id) of the last entry already shown."""
        query = select(Notice).where(Notice.user_id == user_id)
        if before is not None:
            at, last_id = before
            query = query.where(
                or_(Notice.created_at < at, and_(Notice.created_at == at, Notice.id < last_id))
            )
        query = query.order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit)
        return (await self.session.scalars(query)).all()

    async def unread(self, user_id: str) -> int:
        query = select(func.count()).where(Notice.user_id == user_id, Notice.read_at.is_(None))
        return int(await self.session.scalar(query) or 0)

    async def mark_read(self, user_id: str, notice_id: str) -> bool:
        """False when the user has no such entry (someone else's counts as none)."""
        found = await self.session.get(Notice, notice_id)
        if found is None or found.user_id != user_id:
            return False
        if found.read_at is None:
            found.read_at = now()
            await self.session.flush()
        return True


class Deliveries(Repository):
    async def add(self, delivery: Delivery) -> None:
        self.session.add(delivery)
        await self.session.flush()

    async def get(self, delivery_id: str) -> Delivery | None:
        return await self.session.get(Delivery, delivery_id)

    async def settle(self, delivery_id: str, status: str) -> bool:
        """Move a queued mail to ``sent`` or ``failed``; False when it was settled before."""
        result = await self.session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.status == "queued")
            .values(status=status, sent_at=now() if status == "sent" else None)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


class Preferences(Repository):
    async def of(self, user_id: str) -> dict[tuple[str, str], bool]:
        rows = await self.session.scalars(select(Preference).where(Preference.user_id == user_id))
        return {(row.topic, row.channel): row.enabled for row in rows}

    async def replace(self, user_id: str, choices: dict[tuple[str, str], bool]) -> None:
        await self.session.execute(delete(Preference).where(Preference.user_id == user_id))
        for (topic, channel), enabled in choices.items():
            self.session.add(
                Preference(user_id=user_id, topic=topic, channel=channel, enabled=enabled)
            )
        await self.session.flush()


class Orders(Repository):
    async def claim(self, order_id: str, user_id: str) -> OrderCopy:
        """The order's copy, locked for this transaction (``FOR UPDATE`` on PostgreSQL; SQLite
        serialises writers); an empty one is inserted first when there is none, so the first
        two events of one order meet on one row instead of one failing."""
        insert = self.insert(OrderCopy)
        fresh = {"order_id": order_id, "user_id": user_id, "placed": False, "told_seq": 0}
        await self.session.execute(
            insert.values(**fresh, seat_labels=[]).on_conflict_do_nothing(
                index_elements=["order_id"]
            )
        )
        query = select(OrderCopy).where(OrderCopy.order_id == order_id).with_for_update()
        return (await self.session.scalars(query.execution_options(populate_existing=True))).one()
