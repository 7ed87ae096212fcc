"""Notification end to end on the embedded platform: events from identity and the catalog
become mail (files in ``var/mail``) and inbox entries, once each, as each user chose."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from stampede.catalog.handlers import windows
from stampede.compose import Platform
from tests.catalog.engagement_support import OPENS, Clock, H, serving
from tests.catalog.support import CATALOG, create, deal, new_business
from tests.identity.support import new_user, sign_up
from tests.notification.support import (
    NOTIFICATION,
    inbox,
    mails_to,
    text_of,
    verification_tokens,
)


async def test_sign_up_mails_one_verification_link_that_verifies(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    profile = await sign_up(api, "minji@example.com", name="김민지")
    await platform.settle()
    [mail] = mails_to(platform, "minji@example.com")
    assert "김민지" in text_of(mail) and "김민지" in str(mail["To"])
    [token] = verification_tokens(platform)
    reply = await api.post("/api/identity/verify-email", json={"token": token})
    assert reply.status_code == 200, reply.text
    assert profile["email"] == "minji@example.com"


async def test_a_new_listing_alerts_each_keyword_subscriber_once(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    fan, other = await new_user(api), await new_user(api)
    for keyword in ("갤럭시", "s24 특가"):  # both match: still one alert
        reply = await api.post(f"{CATALOG}/keywords", headers=fan.auth, json={"keyword": keyword})
        assert reply.status_code == 201, reply.text
    await api.post(f"{CATALOG}/keywords", headers=other.auth, json={"keyword": "아이폰"})
    business = await new_business(api, platform)
    await create(api, business.auth, deal(_tomorrow(), title="갤럭시 S24 특가"))
    await platform.settle()
    [notice] = (await inbox(api, fan.auth))["items"]
    assert notice["kind"] == "keyword_alert" and "갤럭시 S24 특가" in notice["body"]
    assert (await inbox(api, other.auth))["items"] == []
    assert len(mails_to(platform, fan.email, "갤럭시")) == 1
    assert mails_to(platform, other.email, "갤럭시") == []


async def test_inbox_pages_counts_unread_and_stays_private(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    owner, stranger = await new_user(api), await new_user(api)
    await api.post(f"{CATALOG}/keywords", headers=owner.auth, json={"keyword": "감귤"})
    business = await new_business(api, platform)
    for n in range(3):
        await create(api, business.auth, deal(_tomorrow(), title=f"제주 감귤 {n + 1}kg"))
    await platform.settle()
    first = await inbox(api, owner.auth, limit=2)
    assert first["unread"] == 3 and len(first["items"]) == 2 and first["next_cursor"]
    rest = await inbox(api, owner.auth, limit=2, cursor=first["next_cursor"])
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    titles = [item["title"] for item in first["items"] + rest["items"]]
    assert len(set(titles)) == 3
    notice_id = first["items"][0]["id"]
    assert (
        await api.post(f"{NOTIFICATION}/inbox/{notice_id}/read", headers=stranger.auth)
    ).status_code == 404
    assert (await inbox(api, owner.auth))["unread"] == 3
    assert (
        await api.post(f"{NOTIFICATION}/inbox/{notice_id}/read", headers=owner.auth)
    ).status_code == 204
    assert (
        await api.post(f"{NOTIFICATION}/inbox/{notice_id}/read", headers=owner.auth)
    ).status_code == 204
    assert (await inbox(api, owner.auth))["unread"] == 2
    assert (await inbox(api, stranger.auth))["items"] == []
    assert (await api.get(f"{NOTIFICATION}/inbox")).status_code == 401
    bad = await api.get(f"{NOTIFICATION}/inbox", headers=owner.auth, params={"cursor": "nope"})
    assert bad.status_code == 422


async def test_preferences_turn_a_channel_off_but_never_verification_mail(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    user = await new_user(api)
    got = (await api.get(f"{NOTIFICATION}/preferences", headers=user.auth)).json()
    assert got["preferences"]["keyword_alerts"] == {"email": True, "inbox": True}
    off = {"preferences": {"keyword_alerts": {"email": False}}}
    reply = await api.put(f"{NOTIFICATION}/preferences", headers=user.auth, json=off)
    assert reply.json()["preferences"]["keyword_alerts"] == {"email": False, "inbox": True}
    fixed = {"preferences": {"account": {"email": False}}}
    refused = await api.put(f"{NOTIFICATION}/preferences", headers=user.auth, json=fixed)
    assert refused.status_code == 422 and refused.headers["content-type"].startswith(
        "application/problem+json"
    )
    unknown = {"preferences": {"spam": {"email": False}}}
    assert (
        await api.put(f"{NOTIFICATION}/preferences", headers=user.auth, json=unknown)
    ).status_code == 422
    await api.post(f"{CATALOG}/keywords", headers=user.auth, json={"keyword": "한우"})
    business = await new_business(api, platform)
    await create(api, business.auth, deal(_tomorrow(), title="한우 선물세트"))
    await platform.settle()
    assert len((await inbox(api, user.auth))["items"]) == 1
    assert mails_to(platform, user.email, "한우") == []


def _tomorrow() -> datetime:
    return datetime.now(UTC) + timedelta(days=1)


@pytest.fixture
def clock() -> Clock:
    return Clock(OPENS - 25 * H)


@pytest.fixture
async def on_clock(
    tmp_path: Path, clock: Clock
) -> AsyncIterator[tuple[httpx.AsyncClient, Platform]]:
    async with serving(tmp_path, clock) as started:
        yield started


async def test_a_liked_deal_alerts_24_hours_and_1_hour_before_it_opens(
    on_clock: tuple[httpx.AsyncClient, Platform], clock: Clock
) -> None:
    api, platform = on_clock
    business = await new_business(api, platform)
    deal_id = (await create(api, business.auth, deal(OPENS, hours=1)))["id"]
    fan = await new_user(api)
    await api.post(f"{CATALOG}/listings/{deal_id}/like", headers=fan.auth)
    for at in (OPENS - 24 * H, OPENS - 2 * H, OPENS - H, OPENS - H):
        clock.at = at
        await windows.advance_windows(platform.runtimes["catalog"])
        await platform.settle()
    notices = (await inbox(api, fan.auth))["items"]
    assert [n["kind"] for n in notices] == ["deal_alert", "deal_alert"]
    assert all(n["link"] == f"/listings/{deal_id}" for n in notices)
    assert len(mails_to(platform, fan.email, "제주 감귤")) == 2
