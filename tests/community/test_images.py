"""A price post's photo: PNG, JPEG or WebP by content, at most 1 MB, from its author only;
served back with its own type and ``nosniff``."""

from __future__ import annotations

import httpx
import pytest

from stampede.community.domain.images import MAX_BYTES
from stampede.compose import Platform
from tests.community.support import API, Member, admin, members, price_post, write

pytestmark = pytest.mark.asyncio(loop_scope="module")

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(64)


async def upload(
    api: httpx.AsyncClient, who: Member, post_id: str, data: bytes, kind: str = "image/png"
) -> httpx.Response:
    files = {"file": ("photo.png", data, kind)}
    return await api.post(f"{API}/posts/{post_id}/image", files=files, headers=who.auth)


async def test_the_author_attaches_a_photo_served_with_its_type_and_nosniff(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    [author] = await members(platform, "김민지")
    deal = await price_post(api, author)
    for data, media in ((JPEG, "image/jpeg"), (WEBP, "image/webp"), (PNG, "image/png")):
        attached = await upload(api, author, deal["id"], data, kind="text/html")
        assert attached.status_code == 200, attached.text
        assert attached.json()["image_url"] == f"{API}/posts/{deal['id']}/image"
        served = await api.get(f"{API}/posts/{deal['id']}/image")
        assert served.headers["content-type"] == media
    assert served.status_code == 200 and served.content == PNG  # the last one replaced the others
    assert served.headers["x-content-type-options"] == "nosniff"
    assert (
        await api.delete(f"{API}/posts/{deal['id']}/image", headers=author.auth)
    ).status_code == 204
    assert (await api.get(f"{API}/posts/{deal['id']}/image")).status_code == 404


async def test_other_types_sizes_boards_and_members_are_refused(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    author, other = await members(platform, "김민지", "박지훈")
    deal, chat = await price_post(api, author), await write(api, author)
    gif = await upload(api, author, deal["id"], b"GIF89a" + bytes(64), kind="image/png")
    html = await upload(api, author, deal["id"], b"<html><script>alert(1)</script>")
    large = await upload(api, author, deal["id"], PNG + bytes(MAX_BYTES))
    empty = await upload(api, author, deal["id"], b"")
    free = await upload(api, author, chat["id"], PNG)
    theirs = await upload(api, other, deal["id"], PNG)
    codes = [r.status_code for r in (gif, html, large, empty, free, theirs)]
    assert codes == [415, 415, 413, 422, 422, 403]
    assert free.json()["type"].endswith("/no-images-here")
    assert (await api.get(f"{API}/posts/{deal['id']}/image")).status_code == 404


async def test_a_hidden_posts_photo_is_for_admins_only(
    api: httpx.AsyncClient, platform: Platform
) -> None:

    [author], boss = await members(platform, "김민지"), await admin(platform)
    deal = await price_post(api, author)
    await upload(api, author, deal["id"], PNG)
    await api.post(f"{API}/posts/{deal['id']}/hide", headers=boss.auth)
    assert (await api.get(f"{API}/posts/{deal['id']}/image")).status_code == 404
    seen = await api.get(f"{API}/posts/{deal['id']}/image", headers=boss.auth)
    assert seen.status_code == 200 and seen.headers["cache-control"] == "private, no-store"
