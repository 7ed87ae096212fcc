"""Idempotency-Key as Stripe defines it, on SQLite and PostgreSQL: replay, 422 on another
body, 409 while in flight, refusals stored, unexpected failures free the key, a stale key is
taken over, keys are scoped per user, and the answer is stored with the effect or not at all."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from stampede.kernel.db import Database
from stampede.kernel.errors import Conflict, Unprocessable
from stampede.kernel.idempotency import STALE_AFTER_S, Reply, Slot, fingerprint, keys, once
from stampede.kernel.migrate import migrate

NOW = datetime(2026, 3, 11, 1, 0, tzinfo=UTC)
effects = sa.Table("effects", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True))


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/idem.db"
    else:
        url = request.getfixturevalue("postgres_url")
    (tmp_path / "versions").mkdir()
    database = Database(url, "idem")
    await migrate(database, tmp_path / "versions")
    async with database.engine.begin() as conn:
        await conn.run_sync(effects.metadata.create_all)
    yield database
    await database.dispose()


async def _count(db: Database) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(sa.select(sa.func.count()).select_from(effects)) or 0)


def _effect(db: Database, fail: Exception | None = None) -> object:
    async def work(slot: Slot) -> Reply:
        if fail is not None:
            raise fail
        async with db.sessions() as session, session.begin():
            await session.execute(effects.insert())
            reply = Reply(
                201, {"made": await session.scalar(sa.select(sa.func.count()).select_from(effects))}
            )
            await slot.keep(session, reply)
        return reply

    return work


async def _once(
    db: Database, key: str | None, body: object = "a", user: str = "u1", **kw: object
) -> tuple[Reply, bool]:
    work = kw.pop("work", None) or _effect(db)
    return await once(db, user, key, "make", body, work, kw.pop("now", NOW))  # type: ignore[arg-type]


async def test_a_replay_answers_the_first_reply_without_a_second_effect(db: Database) -> None:
    first, replayed = await _once(db, "k1")
    again, replayed_again = await _once(db, "k1")
    assert (first, replayed) == (Reply(201, {"made": 1}), False)
    assert (again, replayed_again) == (first, True)
    assert await _count(db) == 1


async def test_without_a_key_every_request_runs(db: Database) -> None:
    await _once(db, None)
    await _once(db, None)
    assert await _count(db) == 2


async def test_the_same_key_with_another_body_is_422(db: Database) -> None:
    await _once(db, "k1", body={"amount": 1})
    with pytest.raises(Unprocessable) as refused:
        await _once(db, "k1", body={"amount": 2})
    assert refused.value.slug == "key-reused"
    assert await _count(db) == 1


async def test_keys_are_scoped_per_user(db: Database) -> None:
    await _once(db, "k1", user="u1")
    _, replayed = await _once(db, "k1", user="u2")
    assert not replayed and await _count(db) == 2


async def test_a_request_while_the_first_runs_is_409(db: Database) -> None:
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(slot: Slot) -> Reply:
        started.set()
        await release.wait()
        return await _effect(db)(slot)  # type: ignore[operator, no-any-return]

    first = asyncio.create_task(_once(db, "k1", work=slow))
    await started.wait()
    with pytest.raises(Conflict) as busy:
        await _once(db, "k1")
    release.set()
    assert (await first)[0].status == 201
    assert busy.value.slug == "in-flight" and await _count(db) == 1


async def test_a_refusal_is_stored_and_replayed(db: Database) -> None:
    with pytest.raises(Conflict):
        await _once(db, "k1", work=_effect(db, Conflict("sold out", slug="sold-out")))
    reply, replayed = await _once(db, "k1")
    assert replayed and reply.status == 409 and str(reply.body["type"]).endswith("sold-out")
    assert await _count(db) == 0


async def test_an_unexpected_failure_frees_the_key_for_a_retry(db: Database) -> None:
    with pytest.raises(RuntimeError):
        await _once(db, "k1", work=_effect(db, RuntimeError("boom")))
    reply, replayed = await _once(db, "k1")
    assert not replayed and reply.status == 201 and await _count(db) == 1


async def test_a_key_left_in_flight_by_a_dead_process_is_taken_over_when_stale(
    db: Database,
) -> None:
    async with db.sessions() as session, session.begin():
        await session.execute(
            keys.insert().values(
                scope="u1", key="k1", fingerprint=fingerprint("make", "a"), started_at=NOW
            )
        )
    with pytest.raises(Conflict):
        await _once(db, "k1", now=NOW + timedelta(seconds=1))
    later = NOW + timedelta(seconds=STALE_AFTER_S + 1)
    reply, replayed = await _once(db, "k1", now=later)
    assert not replayed and reply.status == 201
