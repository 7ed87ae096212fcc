"""Likes, price confirmations and reports: once per member each, counted on the post; the
admins' list of reports."""

from __future__ import annotations

import httpx
import pytest

from stampede.compose import Platform
from tests.community.support import API, admin, get, members, price_post, write

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_a_like_counts_once_per_member_and_can_be_taken_back(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    author, fan = await members(platform, "김민지", "박지훈")
    post = await write(api, author)
    path = f"{API}/posts/{post['id']}/like"
    answers = [(await api.post(path, headers=who.auth)).json() for who in (fan, fan, author)]
    assert [(a["count"], a["mine"]) for a in answers] == [(1, True), (1, True), (2, True)]
    assert (await get(api, f"/posts/{post['id']}", fan))["mine"]["liked"] is True
    assert (await api.delete(path, headers=fan.auth)).json()["count"] == 1
    assert (await api.delete(path, headers=fan.auth)).json() == {
        "post_id": post["id"], "what": "like", "count": 1, "mine": False,
    }  # fmt: skip
    assert (await get(api, f"/posts/{post['id']}"))["likes"] == 1


async def test_members_confirm_a_price_once_each_but_not_their_own(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    author, a, b = await members(platform, "김민지", "박지훈", "최서연")
    deal = await price_post(api, author)
    path = f"{API}/posts/{deal['id']}/confirm"
    for who in (a, a, b):
        await api.post(path, headers=who.auth)
    own = await api.post(path, headers=author.auth)
    assert own.status_code == 403 and own.json()["type"].endswith("/own-post")
    assert (await get(api, f"/posts/{deal['id']}"))["confirms"] == 2
    chat = await write(api, author)
    free = await api.post(f"{API}/posts/{chat['id']}/confirm", headers=a.auth)
    assert free.status_code == 422 and free.json()["type"].endswith("/not-a-price-board")


async def test_a_member_reports_a_post_once_and_admins_list_the_reports(
    api: httpx.AsyncClient, platform: Platform
) -> None:

    author, a, b = await members(platform, "김민지", "박지훈", "최서연")
    boss = await admin(platform)
    deal = await price_post(api, author)
    path = f"{API}/posts/{deal['id']}/report"
    first = await api.post(
        path, json={"kind": "wrong_price", "reason": "품절이에요"}, headers=a.auth
    )
    again = await api.post(path, json={"reason": "또 신고"}, headers=a.auth)
    assert (first.status_code, again.status_code) == (201, 409)
    assert first.json()["kind"] == "wrong_price"
    await api.post(path, json={"kind": "spam", "reason": "광고"}, headers=b.auth)
    assert (await api.get(f"{API}/reports", headers=a.auth)).status_code == 403
    listed = await get(api, "/reports", boss)
    assert [(r["reason"], r["post_reports"]) for r in listed["items"]] == [
        ("광고", 2),
        ("품절이에요", 2),
    ]
    assert (await get(api, f"/posts/{deal['id']}", boss))["reports"] == 2
    assert (await get(api, f"/posts/{deal['id']}", a))["reports"] is None
    unknown = await api.post(path, json={"reason": "x", "severity": 9}, headers=b.auth)
    assert unknown.status_code == 422
