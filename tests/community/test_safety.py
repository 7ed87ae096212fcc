"""Member text never reaches a response raw: every JSON answer of the context (errors too)
escapes ``<``, ``>`` and ``&``, and ``body_html`` is escaped text. Writing is rate-limited per
member, pages and texts are capped, unknown fields refused."""

from __future__ import annotations

import httpx
import pytest

from stampede.community.domain.limits import Rate
from stampede.community.handlers import comments as comment_handlers
from stampede.compose import Platform
from stampede.kernel.sqltypes import new_id
from tests.community.support import (
    API,
    PROBLEM,
    SCRIPT,
    admin,
    completed,
    members,
    price_post,
    publish,
    write,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


def raw_safe(reply: httpx.Response) -> None:
    assert b"<" not in reply.content and b">" not in reply.content, reply.content[:300]


async def test_a_script_comes_back_escaped_in_every_response(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    (author, other), boss = await members(platform, SCRIPT, "박지훈"), await admin(platform)
    post = await price_post(api, author, title=SCRIPT, body=f"{SCRIPT}\n&amp; <b>굵게</b>",
                            item=SCRIPT, store="<img src=x onerror=alert(1)>")  # fmt: skip
    path = f"{API}/posts/{post['id']}"
    said = await api.post(f"{path}/comments", json={"body": SCRIPT}, headers=other.auth)
    listing = new_id()
    await publish(platform, [completed(author.id, listing)])
    reviewed = await api.post(
        f"{API}/reviews",
        json={"listing_id": listing, "stars": 5, "body": SCRIPT},
        headers=author.auth,
    )
    bad_link = {"title": "t", "body": "b", "item": "물", "price": 1, "url": SCRIPT}
    replies = [
        said,
        reviewed,
        await api.get(path),
        await api.get(f"{API}/boards/prices/posts"),
        await api.get(f"{API}/boards/prices/posts", params={"q": "<script>"}),
        await api.get(f"{path}/comments"),
        await api.get(f"{API}/reviews", params={"listing_id": listing}),
        await api.patch(path, json={"body": SCRIPT + "!"}, headers=author.auth),
        await api.post(f"{path}/report", json={"reason": SCRIPT}, headers=other.auth),
        await api.get(f"{API}/reports", headers=boss.auth),
        await api.post(f"{path}/comments", json={"body": "x", SCRIPT: 1}, headers=other.auth),
        await api.post(f"{API}/boards/prices/posts", json=bad_link, headers=other.auth),
    ]  # fmt: skip
    for reply in replies:
        raw_safe(reply)
    detail = replies[2].json()
    assert (detail["title"], detail["price"]["item"], detail["author"]["name"]) == (SCRIPT,) * 3
    assert "<script" not in detail["body_html"] and "&lt;script&gt;" in detail["body_html"]
    assert "&amp;amp; &lt;b&gt;" in detail["body_html"]
    assert replies[-2].status_code == 422 and replies[-2].headers["content-type"] == PROBLEM


async def test_posting_past_ten_a_minute_is_a_429_with_retry_after(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    busy, calm = await members(platform, "김민지", "박지훈")
    for number in range(10):
        await write(api, busy, title=f"글 {number}")
    refused = await api.post(
        f"{API}/boards/free/posts", json={"title": "11", "body": "b"}, headers=busy.auth
    )
    assert refused.status_code == 429 and refused.headers["content-type"] == PROBLEM
    assert refused.json()["type"].endswith("/posting-too-fast")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    await write(api, calm)  # the limit is per member


async def test_commenting_past_the_limit_is_a_429(
    api: httpx.AsyncClient, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(comment_handlers, "COMMENTING", Rate("commenting", 3, 60))
    [author] = await members(platform, "김민지")
    post = await write(api, author)
    path = f"{API}/posts/{post['id']}/comments"
    codes = [
        (await api.post(path, json={"body": "ㅋ"}, headers=author.auth)).status_code
        for _ in range(4)
    ]
    assert codes == [201, 201, 201, 429]


async def test_texts_pages_and_fields_are_capped(
    api: httpx.AsyncClient, platform: Platform
) -> None:

    [author] = await members(platform, "김민지")
    url = f"{API}/boards/free/posts"
    refused = [
        {"title": "t" * 101, "body": "b"},
        {"title": "   ", "body": "b"},
        {"title": "t", "body": "b" * 10_001},
        {"title": "t", "body": "  \n "},
        {"title": "t", "body": "NUL \x00 here"},
        {"title": "t", "body": "b", "tags": ["a", "b", "c", "d", "e", "f"]},
        {"title": "t", "body": "b", "tags": ["<b>"]},
        {"title": "t", "body": "b", "author_id": new_id()},
    ]
    for body in refused:
        reply = await api.post(url, json=body, headers=author.auth)
        assert reply.status_code == 422, body
    assert (
        await api.post(url, json={"title": "t", "body": "b" * 10_000}, headers=author.auth)
    ).status_code == 201
    assert (await api.get(url, params={"limit": 0})).status_code == 422
    assert (await api.get(url, params={"limit": 50})).status_code == 200
    assert (await api.get(url, params={"q": "x" * 101})).status_code == 422
