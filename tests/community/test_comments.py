"""Comments: one level of replies, each member changes only their own, admins hide, deleted
comments keep their place, and the post counts its visible comments."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from stampede.compose import Platform
from tests.community.support import API, admin, get, members, write

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def comment(
    api: httpx.AsyncClient, who: Any, post_id: str, body: str, parent: str | None = None
) -> httpx.Response:
    payload = {"body": body} | ({"parent_id": parent} if parent else {})
    return await api.post(f"{API}/posts/{post_id}/comments", json=payload, headers=who.auth)


async def test_replies_go_one_level_deep_under_their_comment(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    author, reader = await members(platform, "김민지", "박지훈")
    post = await write(api, author)
    first = (await comment(api, reader, post["id"], "좋은 팁이네요")).json()
    reply = await comment(api, author, post["id"], "감사합니다!", first["id"])
    assert reply.status_code == 201 and reply.json()["parent_id"] == first["id"]
    deeper = await comment(api, reader, post["id"], "저도요", reply.json()["id"])
    assert deeper.status_code == 422 and deeper.json()["type"].endswith("/reply-to-reply")
    other = await write(api, reader)
    elsewhere = await comment(api, reader, other["id"], "엉뚱한 곳", first["id"])
    assert elsewhere.status_code == 404
    await comment(api, author, post["id"], "두 번째 댓글")
    page = await get(api, f"/posts/{post['id']}/comments")
    assert [c["body"] for c in page["items"]] == ["좋은 팁이네요", "두 번째 댓글"]
    assert [r["body"] for r in page["items"][0]["replies"]] == ["감사합니다!"]
    assert page["items"][0]["author"]["name"] == "박지훈"
    assert (await get(api, f"/posts/{post['id']}"))["comments"] == 3


async def test_only_the_author_edits_or_deletes_a_comment(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    author, other = await members(platform, "김민지", "박지훈")
    post = await write(api, author)
    said = (await comment(api, author, post["id"], "원래 댓글")).json()
    await comment(api, other, post["id"], "답글", said["id"])
    path = f"{API}/comments/{said['id']}"
    assert (await api.patch(path, json={"body": "바꿈"}, headers=other.auth)).status_code == 403
    assert (await api.delete(path, headers=other.auth)).status_code == 403
    assert (await get(api, f"/posts/{post['id']}/comments"))["items"][0]["body"] == "원래 댓글"
    edited = await api.patch(path, json={"body": "고친 댓글"}, headers=author.auth)
    assert edited.json()["body_html"] == "<p>고친 댓글</p>"
    assert (await api.delete(path, headers=author.auth)).status_code == 204
    [gone] = (await get(api, f"/posts/{post['id']}/comments"))["items"]
    assert (gone["state"], gone["body"], gone["author"]) == ("deleted", "", None)
    assert [r["body"] for r in gone["replies"]] == ["답글"]
    assert (await get(api, f"/posts/{post['id']}"))["comments"] == 1
    assert (await api.patch(path, json={"body": "부활"}, headers=author.auth)).status_code == 404


async def test_admins_hide_and_restore_a_comment(
    api: httpx.AsyncClient, platform: Platform
) -> None:

    [author], boss = await members(platform, "김민지"), await admin(platform)
    post = await write(api, author)
    said = (await comment(api, author, post["id"], "광고 댓글")).json()
    path = f"{API}/comments/{said['id']}"
    assert (await api.post(f"{path}/hide", headers=author.auth)).status_code == 403
    assert (await api.post(f"{path}/hide", headers=boss.auth)).json()["state"] == "hidden"
    [shown] = (await get(api, f"/posts/{post['id']}/comments"))["items"]
    assert (shown["state"], shown["body"]) == ("hidden", "")
    [seen_by_admin] = (await get(api, f"/posts/{post['id']}/comments", boss))["items"]
    assert seen_by_admin["body"] == "광고 댓글"
    assert (await get(api, f"/posts/{post['id']}"))["comments"] == 0
    assert (await api.patch(path, json={"body": "x"}, headers=author.auth)).status_code == 404
    await api.post(f"{path}/restore", headers=boss.auth)
    assert (await get(api, f"/posts/{post['id']}"))["comments"] == 1


async def test_comments_page_oldest_first(api: httpx.AsyncClient, platform: Platform) -> None:
    [author] = await members(platform, "김민지")
    post = await write(api, author)
    for number in range(5):
        await comment(api, author, post["id"], f"댓글 {number}")
    first = await get(api, f"/posts/{post['id']}/comments", limit=3)
    rest = await get(api, f"/posts/{post['id']}/comments", limit=3, cursor=first["next_cursor"])
    bodies = [c["body"] for c in first["items"] + rest["items"]]
    assert bodies == [f"댓글 {n}" for n in range(5)] and rest["next_cursor"] is None
