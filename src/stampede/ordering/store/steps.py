"""SQL over saga steps: one row per (order, step), pending until done, failed or skipped."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from stampede.kernel.db import Repository
from stampede.ordering.store.tables import steps


class Steps(Repository):
    async def put(
        self, order_id: str, step: str, state: str, at: datetime, result: Any = None
    ) -> None:
        """Create the step or move it to ``state`` (a done or failed step stays as it is)."""
        found = await self.state(order_id, step)
        if found is None:
            await self.session.execute(
                steps.insert().values(
                    order_id=order_id,
                    step=step,
                    state=state,
                    due_at=at,
                    result=result,
                    updated_at=at,
                )
            )
        elif found in ("pending", "skipped"):
            await self.session.execute(
                steps.update()
                .where(steps.c.order_id == order_id, steps.c.step == step)
                .values(state=state, due_at=at, result=result, updated_at=at)
            )

    async def state(self, order_id: str, step: str) -> str | None:
        query = sa.select(steps.c.state).where(steps.c.order_id == order_id, steps.c.step == step)
        found: str | None = await self.session.scalar(query)
        return found

    async def of_order(self, order_id: str) -> list[Any]:
        query = sa.select(steps).where(steps.c.order_id == order_id).order_by(steps.c.updated_at)
        return list(await self.session.execute(query))

    async def due(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        query = (
            sa.select(steps.c.order_id, steps.c.step)
            .where(steps.c.state == "pending", steps.c.due_at <= now)
            .order_by(steps.c.due_at)
            .limit(limit)
        )
        return [(row.order_id, row.step) for row in await self.session.execute(query)]

    async def retry_later(
        self, order_id: str, step: str, now: datetime, due_at: datetime, error: str
    ) -> None:
        await self.session.execute(
            steps.update()
            .where(steps.c.order_id == order_id, steps.c.step == step, steps.c.state == "pending")
            .values(
                attempts=steps.c.attempts + 1, due_at=due_at, last_error=error[:500], updated_at=now
            )
        )

    async def attempts(self, order_id: str, step: str) -> int:
        query = sa.select(steps.c.attempts).where(
            steps.c.order_id == order_id, steps.c.step == step
        )
        return int(await self.session.scalar(query) or 0)
