"""Answers kept for readers (``SharedReads``) and view counts that wait to be written: kept for
a moment, dropped by a write to their scope, never kept across such a write, one read for many
askers; and through the API, a member's own write shows on their next read."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from stampede.community.handlers.views import flush_views, view_counts
from stampede.community.store.shared import SharedReads
from stampede.compose import Platform
from tests.community.support import API, get, members, write


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Source:
    """A read that counts how often it ran and can be held until released."""

    def __init__(self) -> None:
        self.runs = 0
        self.value = "v1"
        self.gate = asyncio.Event()
        self.gate.set()

    async def __call__(self) -> str:
        self.runs += 1
        await self.gate.wait()
        return self.value


async def test_an_answer_is_kept_until_its_time_is_up() -> None:
    clock, source = Clock(), Source()
    kept = SharedReads(ttl_s=1.0, clock=clock)
    assert await kept.get("k", ("board:free",), source) == "v1"
    source.value = "v2"
    clock.now = 0.9
    assert await kept.get("k", ("board:free",), source) == "v1"
    clock.now = 1.1
    assert await kept.get("k", ("board:free",), source) == "v2"
    assert source.runs == 2


async def test_a_touch_drops_the_answers_of_its_scope_only() -> None:
    source, other = Source(), Source()
    kept = SharedReads(clock=Clock())
    await kept.get("a", ("board:free",), source)
    await kept.get("b", ("post:1",), other)
    source.value = other.value = "v2"
    kept.touch("board:free")
    assert await kept.get("a", ("board:free",), source) == "v2"
    assert await kept.get("b", ("post:1",), other) == "v1"


async def test_a_read_that_a_touch_overtook_is_answered_but_not_kept() -> None:
    source = Source()
    kept = SharedReads(clock=Clock())
    source.gate.clear()
    reading = asyncio.create_task(kept.get("a", ("post:1",), source))
    await asyncio.sleep(0)
    kept.touch("post:1")  # the write lands while the read is under way
    source.gate.set()
    assert await reading == "v1"
    source.value = "v2"
    assert await kept.get("a", ("post:1",), source) == "v2"


async def test_a_touch_of_another_scope_does_not_stop_keeping() -> None:
    source = Source()
    kept = SharedReads(clock=Clock())
    source.gate.clear()
    reading = asyncio.create_task(kept.get("a", ("post:1",), source))
    await asyncio.sleep(0)
    kept.touch("post:2")
    source.gate.set()
    await reading
    source.value = "v2"
    assert await kept.get("a", ("post:1",), source) == "v1"


async def test_askers_at_once_share_one_read() -> None:
    source = Source()
    kept = SharedReads(clock=Clock())
    source.gate.clear()
    askers = [asyncio.create_task(kept.get("a", ("post:1",), source)) for _ in range(20)]
    await asyncio.sleep(0)
    source.gate.set()
    assert await asyncio.gather(*askers) == ["v1"] * 20
    assert source.runs == 1


async def test_a_failed_read_is_not_kept() -> None:
    kept = SharedReads(clock=Clock())

    async def missing() -> str:
        raise LookupError("gone")

    with pytest.raises(LookupError):
        await kept.get("a", ("post:1",), missing)
    assert await kept.get("a", ("post:1",), Source()) == "v1"


async def test_the_least_recently_used_go_first_past_capacity() -> None:
    kept = SharedReads(capacity=2, clock=Clock())
    sources = {key: Source() for key in "abc"}
    for key in "ab":
        await kept.get(key, (), sources[key])
    await kept.get("a", (), sources["a"])  # a is now the most recent
    await kept.get("c", (), sources["c"])  # b goes
    for key in "acb":
        await kept.get(key, (), sources[key])
    assert {key: source.runs for key, source in sources.items()} == {"a": 1, "b": 2, "c": 1}


async def test_revise_changes_a_kept_answer_in_place() -> None:
    kept = SharedReads(clock=Clock())
    await kept.get("a", (), Source())
    kept.revise("a", str.upper)
    kept.revise("missing", str.upper)
    assert await kept.get("a", (), Source()) == "V1"


@pytest.mark.asyncio(loop_scope="module")
async def test_a_member_sees_their_own_writes_at_once(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    author, reader = await members(platform, "김민지", "박지훈")
    post = await write(api, author)
    page = await get(api, "/boards/free/posts", reader)  # kept now
    assert post["id"] in [item["id"] for item in page["items"]]
    await get(api, f"/posts/{post['id']}/comments", reader)
    made = await api.post(
        f"{API}/posts/{post['id']}/comments", json={"body": "첫 댓글"}, headers=reader.auth
    )
    assert made.status_code == 201
    comments = await get(api, f"/posts/{post['id']}/comments", reader)
    assert [c["body"] for c in comments["items"]] == ["첫 댓글"]
    liked = await api.post(f"{API}/posts/{post['id']}/like", headers=reader.auth)
    assert liked.status_code == 200
    shown = await get(api, f"/posts/{post['id']}", reader)
    assert (shown["likes"], shown["mine"]["liked"], shown["comments"]) == (1, True, 1)
    await api.patch(f"{API}/posts/{post['id']}", json={"title": "고친 제목"}, headers=author.auth)
    page = await get(api, "/boards/free/posts", reader)
    assert [i["title"] for i in page["items"] if i["id"] == post["id"]] == ["고친 제목"]


@pytest.mark.asyncio(loop_scope="module")
async def test_views_wait_then_are_written_once(api: httpx.AsyncClient, platform: Platform) -> None:
    author, *readers = await members(platform, "김민지", "박지훈", "최서연", "이도윤")
    post = await write(api, author)
    shown = [(await get(api, f"/posts/{post['id']}", who))["views"] for who in readers]
    assert shown == [1, 2, 3]
    runtime = platform.runtimes["community"]
    await flush_views(runtime)
    assert view_counts(runtime).of(post["id"]) == 0
    assert await flush_views(runtime) == 0  # nothing waits: nothing written twice
    assert (await get(api, f"/posts/{post['id']}", author))["views"] == 3
