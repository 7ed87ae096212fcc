"""Likes, keyword subscriptions and sent alerts (stub: filled in by the engagement work)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


class Engagement:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
