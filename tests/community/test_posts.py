"""Boards and posts through the gateway: guests read and are turned away (401) from every
write; members write and change only their own posts; admins add boards and hide posts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from stampede.compose import Platform
from stampede.kernel.sqltypes import new_id
from tests.community.support import API, PROBLEM, admin, get, member, members, price_post, write

pytestmark = pytest.mark.asyncio(loop_scope="module")

POST_ID, COMMENT_ID, REVIEW_ID = new_id(), new_id(), new_id()
WRITES = [
    ("POST", "/boards", {"slug": "deals", "name": "딜"}),
    ("POST", "/boards/free/posts", {"title": "t", "body": "b"}),
    ("PATCH", f"/posts/{POST_ID}", {"title": "t"}),
    ("DELETE", f"/posts/{POST_ID}", None),
    ("POST", f"/posts/{POST_ID}/hide", None),
    ("POST", f"/posts/{POST_ID}/restore", None),
    ("DELETE", f"/posts/{POST_ID}/image", None),
    ("POST", f"/posts/{POST_ID}/comments", {"body": "b"}),
    ("PATCH", f"/comments/{COMMENT_ID}", {"body": "b"}),
    ("DELETE", f"/comments/{COMMENT_ID}", None),
    ("POST", f"/comments/{COMMENT_ID}/hide", None),
    ("POST", f"/posts/{POST_ID}/like", None),
    ("DELETE", f"/posts/{POST_ID}/like", None),
    ("POST", f"/posts/{POST_ID}/confirm", None),
    ("DELETE", f"/posts/{POST_ID}/confirm", None),
    ("POST", f"/posts/{POST_ID}/report", {"reason": "spam"}),
    ("GET", "/reports", None),
    ("GET", "/reviewable", None),
    ("POST", "/reviews", {"listing_id": new_id(), "stars": 5}),
    ("PATCH", f"/reviews/{REVIEW_ID}", {"stars": 1}),
    ("DELETE", f"/reviews/{REVIEW_ID}", None),
    ("POST", f"/reviews/{REVIEW_ID}/hide", None),
]


async def test_guests_read_boards_posts_and_comments_but_every_write_is_a_401(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    post = await write(api, await member(platform))
    assert {"free", "prices"} <= {b["slug"] for b in await get(api, "/boards")}
    assert (await get(api, "/boards/free/posts"))["items"][0]["id"] == post["id"]
    assert (await get(api, f"/posts/{post['id']}"))["mine"] is None
    assert (await get(api, f"/posts/{post['id']}/comments"))["items"] == []
    upload = await api.post(f"{API}/posts/{POST_ID}/image", files={"file": ("a.png", b"x")})
    replies = [upload] + [
        await api.request(method, f"{API}{path}", json=body) for method, path, body in WRITES
    ]
    assert [r.status_code for r in replies] == [401] * (len(WRITES) + 1)
    assert all(r.headers["content-type"] == PROBLEM for r in replies)


async def test_a_member_writes_edits_and_deletes_their_own_post(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    author = await member(platform)
    post = await write(api, author, title="  무지출 1일차  ", tags=["#절약", "Saving", "절약"])
    assert (post["title"], post["tags"]) == ("무지출 1일차", ["절약", "saving"])
    assert post["author"] == {"id": author.id, "name": "김민지"} and post["body_html"].startswith(
        "<p>"
    )
    path = f"{API}/posts/{post['id']}"
    await api.post(f"{path}/like", headers=author.auth)
    await api.post(f"{path}/comments", json={"body": "첫 댓글"}, headers=author.auth)
    changed = await api.patch(path, json={"body": "둘째 줄\n셋째 줄"}, headers=author.auth)
    assert changed.status_code == 200 and changed.json()["title"] == "무지출 1일차"
    assert changed.json()["body_html"] == "<p>둘째 줄<br>셋째 줄</p>"
    assert (changed.json()["likes"], changed.json()["comments"]) == (1, 1)
    assert (await api.delete(path, headers=author.auth)).status_code == 204
    assert (await api.get(path)).status_code == 404
    assert (await api.get(f"{path}/comments")).status_code == 404


async def test_another_member_cannot_change_or_delete_a_post(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    author, other = await members(platform, "김민지", "박지훈")
    post = await write(api, author)
    path = f"{API}/posts/{post['id']}"
    edit = await api.patch(path, json={"title": "내 글"}, headers=other.auth)
    delete = await api.delete(path, headers=other.auth)
    assert (edit.status_code, delete.status_code) == (403, 403)
    assert edit.json()["type"].endswith("/not-yours")
    after = await get(api, f"/posts/{post['id']}")
    assert (after["title"], after["body"]) == (post["title"], post["body"])


async def test_a_price_post_names_item_price_store_and_a_checked_link(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    author = await member(platform)
    post = await price_post(api, author, url="https://shop.example/water?id=1")
    assert post["price"] == {
        "item": "생수 2L x 12", "price": 6900, "store": "동네마트",
        "url": "https://shop.example/water?id=1",
    }  # fmt: skip
    bad = {"title": "t", "body": "b", "item": "물", "price": 1}
    for url in ("javascript:alert(1)", "file:///etc/passwd", "http://user:pw@x.example/", "//x"):
        reply = await api.post(
            f"{API}/boards/prices/posts", json=bad | {"url": url}, headers=author.auth
        )
        assert reply.json()["type"].endswith("/bad-url"), url
    missing = await api.post(
        f"{API}/boards/prices/posts", json={"title": "t", "body": "b"}, headers=author.auth
    )
    on_free = await api.post(f"{API}/boards/free/posts", json=bad, headers=author.auth)
    negative = await api.post(
        f"{API}/boards/prices/posts", json=bad | {"price": -1}, headers=author.auth
    )
    assert missing.json()["type"].endswith("/price-required")
    assert on_free.json()["type"].endswith("/not-a-price-board")
    assert negative.status_code == 422
    cleared = await api.patch(
        f"{API}/posts/{post['id']}", json={"price": None}, headers=author.auth
    )
    assert cleared.status_code == 422


async def test_views_count_readers_other_than_the_author_once_each(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    author, reader = await members(platform, "김민지", "박지훈")
    post = await write(api, author)
    for who in (author, author, reader, reader, None, None):
        await get(api, f"/posts/{post['id']}", who)
    assert (await get(api, f"/posts/{post['id']}", author))["views"] == 2  # the reader, a guest


async def test_pages_search_and_the_page_size_cap(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    writers, boss = await members(platform, "김민지", "박지훈", "최서연"), await admin(platform)
    board = {"slug": "lunch", "name": "점심"}
    assert (await api.post(f"{API}/boards", json=board, headers=boss.auth)).status_code == 201
    for number in range(12):
        title = f"알뜰 장보기 {number}" if number % 3 == 0 else f"Cheap lunch {number}"
        await write(api, writers[number % 3], "lunch", title=title, body="오늘도 SAVE money")
    seen, cursor = [], None
    while True:
        more: dict[str, Any] = {"cursor": cursor} if cursor else {}
        page = await get(api, "/boards/lunch/posts", limit=5, **more)
        seen += [item["title"] for item in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert len(seen) == len(set(seen)) == 12 and seen[0] == "Cheap lunch 11"
    korean = await get(api, "/boards/lunch/posts", q="장보기")
    assert [item["title"] for item in korean["items"]][-1] == "알뜰 장보기 0"
    assert len(korean["items"]) == 4
    assert len((await get(api, "/boards/lunch/posts", q="cheap LUNCH save"))["items"]) == 8
    assert (await get(api, "/boards/lunch/posts", q="50%_"))["items"] == []
    too_many = await api.get(f"{API}/boards/lunch/posts", params={"limit": 51})
    bad_cursor = await api.get(f"{API}/boards/lunch/posts", params={"cursor": "bm9wZQ"})
    assert (too_many.status_code, bad_cursor.json()["type"].split("/")[-1]) == (422, "bad-cursor")
    assert (await api.get(f"{API}/boards/nope/posts")).status_code == 404


async def test_a_hidden_post_disappears_for_everyone_but_admins(
    api: httpx.AsyncClient, platform: Platform
) -> None:

    author, boss = await member(platform), await admin(platform)
    post = await write(api, author)
    path = f"{API}/posts/{post['id']}"
    assert (await api.post(f"{path}/hide", headers=author.auth)).status_code == 403
    hidden = await api.post(f"{path}/hide", headers=boss.auth)
    assert hidden.status_code == 200 and hidden.json()["state"] == "hidden"
    for who in (None, author):
        assert (await api.get(path, headers=who.auth if who else {})).status_code == 404
        listed = (await get(api, "/boards/free/posts", who))["items"]
        assert post["id"] not in {item["id"] for item in listed}
    assert (await api.patch(path, json={"title": "x"}, headers=author.auth)).status_code == 404
    [listed] = [
        i for i in (await get(api, "/boards/free/posts", boss))["items"] if i["id"] == post["id"]
    ]
    assert listed["state"] == "hidden"
    assert (await api.post(f"{path}/restore", headers=boss.auth)).json()["state"] == "visible"
    assert (await get(api, f"/posts/{post['id']}", author))["state"] == "visible"


async def test_admins_add_boards_others_may_not(api: httpx.AsyncClient, platform: Platform) -> None:
    someone, boss = await member(platform), await admin(platform)
    board = {"slug": "used-books", "name": "중고책 최저가", "kind": "prices"}
    assert (await api.post(f"{API}/boards", json=board, headers=someone.auth)).status_code == 403
    made = await api.post(f"{API}/boards", json=board, headers=boss.auth)
    assert made.status_code == 201 and made.json()["kind"] == "prices"
    assert (await api.post(f"{API}/boards", json=board, headers=boss.auth)).status_code == 409
    assert [b["slug"] for b in await get(api, "/boards")][:2] == ["free", "prices"]
    assert [b["slug"] for b in await get(api, "/boards")][-1] == "used-books"
    post = await write(api, someone, "used-books", item="토익 교재", price=8000)
    assert post["price"]["item"] == "토익 교재"
