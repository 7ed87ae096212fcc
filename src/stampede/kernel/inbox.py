"""Inbox: a consumer records each message id in the transaction of its effects.

A redelivered message finds its id already recorded and is skipped, so RabbitMQ's at-least-once
delivery gives exactly one effect.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from stampede.kernel.outbox import KernelBase
from stampede.kernel.sqltypes import UtcDateTime


class InboxRow(KernelBase):
    __tablename__ = "inbox"

    consumer: Mapped[str] = mapped_column(String(200), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime())


async def claim(session: AsyncSession, consumer: str, message_id: str) -> bool:
    """Record ``message_id`` for ``consumer``; False when it was already processed.

    Call inside the consumer's transaction; the primary key is the final guard against two
    concurrent deliveries (the loser's commit fails and the bus redelivers, then skips).
    """
    seen = await session.scalar(
        select(InboxRow.message_id).where(
            InboxRow.consumer == consumer, InboxRow.message_id == message_id
        )
    )
    if seen is not None:
        return False
    session.add(InboxRow(consumer=consumer, message_id=message_id, processed_at=datetime.now(UTC)))
    await session.flush()
    return True
