"""Sale windows: which edges are due (pure), and the scheduler against real databases.

The scheduler tests move the catalog runtime's clock by hand (``runtime.clock``) and read the
catalog outbox to see what was emitted.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from stampede.catalog.domain.listings import Kind, Status
from stampede.catalog.domain.windows import (
    Due,
    Edge,
    alert_due,
    due,
    due_alerts,
    due_edges,
    status_after,
)
from stampede.catalog.handlers import windows
from stampede.catalog.store import CatalogUoW
from stampede.catalog.store.engagement import AlertMark, Engagement
from stampede.compose import Platform, build, running
from stampede.kernel.module import Runtime
from stampede.kernel.settings import Settings
from tests.catalog.engagement_support import (
    CLOSES,
    OPENS,
    Clock,
    H,
    alerts,
    change,
    events,
    insert_deal,
    kinds,
    like_by,
    serving,
    started,
    status_of,
)
from tests.catalog.support import CATALOG, catalog, create, deal, new_business
from tests.identity.support import new_user

# --- pure rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before_opening", "due_24h", "due_1h"),
    [
        (25 * H, False, False),
        (24 * H, True, False),
        (2 * H, True, False),
        (H, True, True),
        (timedelta(seconds=1), True, True),
        (timedelta(0), False, False),
    ],
)
def test_an_alert_is_due_from_its_lead_until_the_opening(
    before_opening: timedelta, due_24h: bool, due_1h: bool
) -> None:
    now = OPENS - before_opening
    assert (alert_due("24h", OPENS, now), alert_due("1h", OPENS, now)) == (due_24h, due_1h)


@pytest.mark.parametrize(
    ("status", "now", "edges", "after"),
    [
        ("scheduled", OPENS - H, (), "scheduled"),
        ("scheduled", OPENS, (Edge.OPEN,), "open"),
        ("scheduled", CLOSES, (Edge.OPEN, Edge.CLOSE), "closed"),
        ("open", CLOSES - timedelta(seconds=1), (), "open"),
        ("open", CLOSES, (Edge.CLOSE,), "closed"),
        ("closed", CLOSES + H, (), "closed"),
        ("draft", CLOSES + H, (), "draft"),
        ("deleted", CLOSES + H, (), "deleted"),
    ],
)
def test_window_edges_due(status: str, now: datetime, edges: tuple[Edge, ...], after: str) -> None:
    assert due_edges(status, OPENS, CLOSES, now) == edges
    assert status_after(status, edges) == after


def test_alerts_go_to_scheduled_deals_only_and_not_twice() -> None:
    now = OPENS - timedelta(minutes=30)
    assert due_alerts(Kind.DEAL, Status.SCHEDULED, OPENS, now) == ("24h", "1h")
    assert due_alerts(Kind.DEAL, Status.SCHEDULED, OPENS, now, sent={"24h"}) == ("1h",)
    assert due_alerts(Kind.PERFORMANCE, Status.SCHEDULED, OPENS, now) == ()
    assert due_alerts(Kind.DEAL, Status.DRAFT, OPENS, now) == ()


def test_missed_alerts_are_skipped_once_the_sale_opened() -> None:
    todo = due(Kind.DEAL, Status.SCHEDULED, OPENS, CLOSES, OPENS + timedelta(minutes=5))
    assert todo == Due(edges=(Edge.OPEN,), alerts=()) and todo.changes == 1
    assert not due(Kind.DEVICE, Status.PUBLISHED, None, None, CLOSES)


@pytest.fixture
def clock() -> Clock:
    return Clock(OPENS - 25 * H)  # today 09:00 in Seoul; the deal is for tomorrow 10:00


@pytest.fixture
async def system(tmp_path: Path, clock: Clock) -> AsyncIterator[tuple[httpx.AsyncClient, Platform]]:
    async with serving(tmp_path, clock) as started_system:
        yield started_system


@pytest.fixture
def platform(system: tuple[httpx.AsyncClient, Platform]) -> Platform:
    return system[1]


# --- one scheduler --------------------------------------------------------------------------


async def test_a_deal_for_tomorrow_alerts_likers_then_opens_and_closes_by_itself(
    system: tuple[httpx.AsyncClient, Platform], clock: Clock
) -> None:
    api, platform = system
    runtime = catalog(platform)
    business = await new_business(api, platform)
    deal_id = (await create(api, business.auth, deal(OPENS, hours=1)))["id"]
    week = (await api.get(f"{CATALOG}/listings", params={"window": "week"})).json()
    assert [item["id"] for item in week["items"]] == [deal_id]
    users = [await new_user(api) for _ in range(2)]
    for user in users:
        await api.post(f"{CATALOG}/listings/{deal_id}/like", headers=user.auth)
    likers = sorted(user.id for user in users)
    steps = [
        (OPENS - 25 * H, "scheduled", [], []),
        (OPENS - 24 * H, "scheduled", likers, []),
        (OPENS - 2 * H, "scheduled", likers, []),
        (OPENS - H, "scheduled", likers, likers),
        (OPENS, "open", likers, likers),
        (CLOSES, "closed", likers, likers),
    ]
    for at, status, alerted_24h, alerted_1h in steps:
        clock.at = at
        for _ in range(2):
            await windows.advance_windows(runtime)
        detail = (await api.get(f"{CATALOG}/listings/{deal_id}")).json()
        assert detail["status"] == status, at
        assert await alerts(runtime, "24h") == alerted_24h, at
        assert await alerts(runtime, "1h") == alerted_1h, at
    assert await kinds(runtime, "SaleOpened", "SaleClosed") == ["SaleOpened", "SaleClosed"]


async def test_alerts_name_the_deal_and_its_opening(platform: Platform, clock: Clock) -> None:
    runtime = catalog(platform)
    deal_id = await insert_deal(runtime)
    [user_id] = await like_by(runtime, deal_id, 1)
    clock.at = OPENS - 24 * H
    assert await windows.advance_windows(runtime) == 1
    [(_, data)] = await events(runtime, "AlertDue")
    assert data == {
        "listing_id": deal_id,
        "user_id": user_id,
        "lead": "24h",
        "title": "한우 선물세트 타임딜",
        "opens_at": "2030-05-02T01:00:00Z",
    }


async def test_a_missed_window_is_caught_up_in_order(platform: Platform, clock: Clock) -> None:
    runtime = catalog(platform)
    deal_id = await insert_deal(runtime)
    await like_by(runtime, deal_id, 2)
    clock.at = CLOSES + 5 * H
    assert await windows.advance_windows(runtime) == 2
    assert await windows.advance_windows(runtime) == 0
    assert await kinds(runtime, "SaleOpened", "SaleClosed", "AlertDue") == [
        "SaleOpened",
        "SaleClosed",
    ]  # the alerts were missed: skipped after the opening
    async with CatalogUoW(runtime) as uow:
        listing = await uow.listings.get(deal_id)
        assert listing is not None
        assert (listing.status, listing.version, listing.updated_at) == ("closed", 2, clock.at)


async def test_alerts_missed_while_down_are_sent_before_the_opening(
    platform: Platform, clock: Clock
) -> None:
    runtime = catalog(platform)
    likers = await like_by(runtime, await insert_deal(runtime), 2)
    clock.at = OPENS - timedelta(minutes=30)
    assert await windows.advance_windows(runtime) == 2
    assert await alerts(runtime, "24h") == await alerts(runtime, "1h") == likers


async def test_only_scheduled_deals_alert_and_drafts_stay_put(
    platform: Platform, clock: Clock
) -> None:
    runtime = catalog(platform)
    show = await insert_deal(runtime, kind="performance", category="concert", deal_price=None)
    await like_by(runtime, show, 1)
    draft = await insert_deal(runtime)
    await like_by(runtime, draft, 1)
    await change(runtime, draft, status="draft")  # liked, then taken back to draft
    clock.at = OPENS - timedelta(minutes=30)
    assert await windows.advance_windows(runtime) == 0
    clock.at = CLOSES + H
    assert await windows.advance_windows(runtime) == 2
    assert await kinds(runtime, "SaleOpened", "SaleClosed", "AlertDue") == [
        "SaleOpened",
        "SaleClosed",
    ]
    assert (await status_of(runtime, show), await status_of(runtime, draft)) == ("closed", "draft")


async def test_a_moved_opening_gets_its_own_alerts(platform: Platform, clock: Clock) -> None:
    runtime = catalog(platform)
    deal_id = await insert_deal(runtime)
    likers = await like_by(runtime, deal_id, 1)
    clock.at = OPENS - 24 * H
    await windows.advance_windows(runtime)
    await change(runtime, deal_id, opens_at=OPENS + 2 * H, closes_at=CLOSES + 2 * H)
    clock.at = OPENS + 2 * H - 24 * H
    assert await windows.advance_windows(runtime) == 1
    assert await alerts(runtime, "24h") == likers * 2


async def test_a_pass_handles_at_most_a_batch(platform: Platform, clock: Clock) -> None:
    runtime = catalog(platform)
    for _ in range(3):
        await insert_deal(runtime)
    clock.at = OPENS
    assert await windows.advance_windows(runtime, batch=2) == 2
    assert await windows.advance_windows(runtime, batch=2) == 1


async def test_a_second_record_of_the_same_alert_rolls_back_with_its_events(
    platform: Platform, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = catalog(platform)
    deal_id = await insert_deal(runtime)
    likers = await like_by(runtime, deal_id, 2)
    clock.at = OPENS - 24 * H
    assert await windows.advance_listing(runtime, deal_id) == 1

    async def blind(self: Engagement, listing_id: str, opens_at: datetime) -> set[str]:
        return set()  # as if the other replica's mark were not visible yet

    monkeypatch.setattr(Engagement, "alerted", blind)
    assert await windows.advance_listing(runtime, deal_id) == 0
    assert await alerts(runtime, "24h") == likers


# --- replicas, restarts and the background loop -----------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
async def replicas(
    request: pytest.FixtureRequest, tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Platform, Platform]]:
    """Two platforms whose catalogs share one database (one SQLite file, or PostgreSQL)."""
    dirs = (tmp_path, tmp_path)
    if request.param == "postgres":
        monkeypatch.setenv("CATALOG_DATABASE_URL", request.getfixturevalue("postgres_url"))
        dirs = (tmp_path / "a", tmp_path / "b")
    first = await started(dirs[0], clock)
    second = await started(dirs[1], clock)
    yield first, second
    await second.stop()
    await first.stop()


async def concurrent_passes_until_quiet(*runtimes: Runtime) -> int:
    """Rounds of three concurrent passes per replica, small batches, until nothing changes."""
    total = 0
    while True:
        passes = [windows.advance_windows(rt, batch=5) for rt in runtimes * 3]
        changes = sum(await asyncio.gather(*passes))
        if not changes:
            return total
        total += changes


async def test_two_replicas_cross_every_edge_exactly_once(
    replicas: tuple[Platform, Platform], clock: Clock
) -> None:
    a, b = catalog(replicas[0]), catalog(replicas[1])
    deals = [await insert_deal(a) for _ in range(8)]
    for deal_id in deals:
        await like_by(b, deal_id, 3)
    for at in (OPENS - 24 * H, OPENS - H, OPENS, CLOSES):
        clock.at = at
        assert await concurrent_passes_until_quiet(a, b) == 8, at
    sent = await events(a, "AlertDue")
    keys = [(d["listing_id"], d["user_id"], d["lead"]) for _, d in sent]
    assert len(keys) == len(set(keys)) == 8 * 3 * 2
    assert len(await events(a, "SaleOpened")) == len(await events(a, "SaleClosed")) == 8
    async with CatalogUoW(a) as uow:
        marks = await uow.session.scalar(select(func.count()).select_from(AlertMark))
    assert marks == 8 * 2


async def test_restarted_platforms_continue_and_catch_up_on_start(
    tmp_path: Path, clock: Clock
) -> None:
    first = await started(tmp_path, clock)
    likers = await like_by(catalog(first), await insert_deal(catalog(first)), 2)
    clock.at = OPENS - 24 * H
    await windows.advance_windows(catalog(first))
    await first.stop()
    second = await started(tmp_path, clock)
    assert await windows.advance_windows(catalog(second)) == 0
    clock.at = OPENS - H
    assert await windows.advance_windows(catalog(second)) == 1
    await second.stop()
    clock.at = CLOSES + H  # down across both edges; the real background job catches up
    _, third = build(Settings.for_tests(tmp_path))
    catalog(third).clock = clock
    async with running(third):
        await wait_for(catalog(third), "SaleClosed")
        assert await kinds(catalog(third), "SaleOpened", "SaleClosed") == [
            "SaleOpened",
            "SaleClosed",
        ]
        assert await alerts(catalog(third), "24h") == await alerts(catalog(third), "1h") == likers


async def wait_for(runtime: Runtime, event_type: str) -> None:
    for _ in range(250):
        if await events(runtime, event_type):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"no {event_type} within 5 s")


async def test_the_background_loop_survives_a_failing_pass(
    platform: Platform, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = catalog(platform)
    deal_id = await insert_deal(runtime)
    clock.at = CLOSES + H
    real, failures = windows.advance_windows, [RuntimeError("database away")]

    async def flaky(rt: Runtime, batch: int = windows.BATCH) -> int:
        if failures:
            raise failures.pop()
        return await real(rt, batch)

    monkeypatch.setattr(windows, "advance_windows", flaky)
    task = asyncio.create_task(windows.run_sale_windows(runtime, poll_s=0.01))
    try:
        await wait_for(runtime, "SaleClosed")
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert not failures
    assert await status_of(runtime, deal_id) == Status.CLOSED
