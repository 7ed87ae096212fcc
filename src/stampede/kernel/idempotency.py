"""``Idempotency-Key`` as Stripe defines it, for any request that moves money or stock.

Keys are scoped per user (another user's key with the same text is another key). The first
request with a key records a *fingerprint* (operation + canonical JSON body) and runs; its
answer — success or a 4xx refusal — is stored, and every later request with that key gets the
stored answer back (``Idempotent-Replayed: true``) without running again. A later request with
the same key but a different operation or body is refused with 422 (``key-reused``); one that
arrives while the first is still running gets 409 (``in-flight``).

The success answer is stored **in the transaction of the effect** (:meth:`Slot.keep`), so a
crash can never leave an effect without its answer or an answer without its effect. A crash
mid-request leaves the key in flight; after :data:`STALE_AFTER_S` a retry takes the key over
and runs afresh (nothing of the first attempt was committed). An unexpected failure (5xx) frees
the key at once, so the client's retry runs again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Header
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from stampede.kernel.db import Database
from stampede.kernel.errors import Conflict, StampedeError, Unprocessable
from stampede.kernel.outbox import KernelBase
from stampede.kernel.sqltypes import UtcDateTime

STALE_AFTER_S = 30.0
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)
]

keys = sa.Table(
    "idempotency_keys",
    KernelBase.metadata,
    sa.Column("scope", sa.String(64), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("status", sa.Integer()),  # NULL while in flight
    sa.Column("body", sa.JSON()),
    sa.Column("started_at", UtcDateTime(), nullable=False),
)


@dataclass(frozen=True)
class Reply:
    """A stored answer: status and JSON body."""

    status: int
    body: Any


def fingerprint(operation: str, body: Any) -> str:
    text = json.dumps([operation, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Slot:
    """One request's hold on a key (or on nothing when the request has no key)."""

    db: Database
    scope: str
    key: str | None
    kept: bool = False

    async def keep(self, session: AsyncSession, reply: Reply) -> None:
        """Store ``reply`` in the caller's transaction (the one that makes the effect)."""
        if self.key is None:
            return
        await session.execute(
            keys.update()
            .where(keys.c.scope == self.scope, keys.c.key == self.key)
            .values(status=reply.status, body=reply.body)
        )
        self.kept = True


async def _claim(db: Database, scope: str, key: str, print_: str, now: datetime) -> Reply | None:
    """Claim the key (None) or return what decides the request: a stored reply, or a refusal."""
    async with db.sessions() as session, session.begin():
        try:
            async with session.begin_nested():
                await session.execute(
                    keys.insert().values(scope=scope, key=key, fingerprint=print_, started_at=now)
                )
            return None
        except IntegrityError:
            pass
        row = (
            await session.execute(
                sa.select(keys).where(keys.c.scope == scope, keys.c.key == key).with_for_update()
            )
        ).one()
        if row.fingerprint != print_:
            raise Unprocessable(
                "this Idempotency-Key was used for a different request", slug="key-reused"
            )
        if row.status is not None:
            return Reply(row.status, row.body)
        if row.started_at > now - timedelta(seconds=STALE_AFTER_S):
            raise Conflict(
                "the first request with this Idempotency-Key is still in progress",
                slug="in-flight",
            )
        await session.execute(  # its process died before committing anything: take it over
            keys.update().where(keys.c.scope == scope, keys.c.key == key).values(started_at=now)
        )
        return None


async def _settle(db: Database, slot: Slot, reply: Reply | None) -> None:
    """After the work: store a refusal, or free the key after an unexpected failure."""
    async with db.sessions() as session, session.begin():
        where = (keys.c.scope == slot.scope, keys.c.key == slot.key)
        if reply is None:
            await session.execute(keys.delete().where(*where, keys.c.status.is_(None)))
        else:
            await session.execute(
                keys.update().where(*where).values(status=reply.status, body=reply.body)
            )


async def once(
    db: Database,
    scope: str,
    key: str | None,
    operation: str,
    body: Any,
    work: Callable[[Slot], Awaitable[Reply]],
    now: datetime,
) -> tuple[Reply, bool]:
    """Run ``work`` once per (scope, key): ``(reply, replayed)``. ``work`` must call
    ``slot.keep(session, reply)`` in the transaction of its effect."""
    slot = Slot(db, scope, key)
    if key is None:
        return await work(slot), False
    stored = await _claim(db, scope, key, fingerprint(operation, body), now)
    if stored is not None:
        return stored, True
    try:
        reply = await work(slot)
    except StampedeError as refusal:
        if refusal.status >= 500:
            await _settle(db, slot, None)
            raise
        await _settle(db, slot, Reply(refusal.status, refusal.problem()))
        raise
    except BaseException:
        await _settle(db, slot, None)
        raise
    if not slot.kept:
        await _settle(db, slot, reply)
    return reply, False


def response(reply: Reply, replayed: bool) -> JSONResponse:
    """The HTTP answer for ``reply``; a replay says so in ``Idempotent-Replayed``."""
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    media = "application/problem+json" if reply.status >= 400 else "application/json"
    return JSONResponse(reply.body, status_code=reply.status, headers=headers, media_type=media)
