"""The thrift community in Korean and English: a guest reads the boards and a post; a member
signs up, writes a post, comments on another member's post, shares a price with a photo, likes
and confirms a price; a guest then reads the new post and the comment; a post holding
``<script>`` shows it as text."""

from __future__ import annotations

import re
import struct
import uuid
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.web.site import Site, shot, sign_up

POST_URL = re.compile(r"/community/posts/[0-9a-f-]{36}(\?.*)?$")
WORDS = {
    "ko": {"written": "글을 올렸어요.", "login_to_comment": "로그인하고 댓글 쓰기"},
    "en": {"written": "Your post is up.", "login_to_comment": "Log in to comment"},
}


def tiny_png() -> bytes:
    """A valid 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x80\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def count_of(page: Any, test: str) -> int:
    return int(page.get_attribute(f"[data-test={test}]", "data-count"))


def guest_reads_boards_and_a_post(page: Any, lang: str) -> None:
    page.goto("/community")
    assert page.locator("[data-test=board]").count() >= 2
    assert page.locator("[data-test=board][data-board=prices] [data-test=post-price]").count()
    page.click("[data-test=board][data-board=free] [data-test=all-posts]")
    assert page.locator("[data-test=write]").count() == 0
    assert page.locator("[data-test=login-to-write]").count() == 1
    title = "무지출 챌린지 7일차 인증합니다"  # a demo post with comments and a reply
    page.click(f"[data-test=post-link]:has-text('{title}')")
    page.wait_for_url(POST_URL)
    assert page.inner_text("[data-test=post-title]").strip() == title
    assert page.inner_text("[data-test=post-body]").strip()
    assert page.locator("[data-test=comment]").count() >= 1
    assert page.get_by_role("link", name=WORDS[lang]["login_to_comment"]).count() == 1
    assert page.locator("[data-test=comment-form]").count() == 0


def path_of(page: Any) -> str:
    return str(urlsplit(page.url).path)


def write_post(
    page: Any, board: str, title: str, body: str, photo: bool = False, **price: str
) -> str:
    """Write a post through the board's write link (with a photo, when asked); its path."""
    page.goto(f"/community/{board}")
    page.click("[data-test=write]")
    page.fill("#f-title", title)
    page.fill("#f-body", body)
    for name, value in price.items():
        page.fill(f"#f-{name}", value)
    if photo:
        page.set_input_files(
            "#f-photo", {"name": "deal.png", "mimeType": "image/png", "buffer": tiny_png()}
        )
    page.click("[data-test=submit-post]")
    page.wait_for_url(POST_URL)
    return path_of(page)


def comment_on_others_post(page: Any, text: str) -> str:
    """Comment on the free board's post of another member; that post's path."""
    page.goto("/community/free")
    page.locator("[data-test=post-link]", has_text="통신비").first.click()
    page.wait_for_url(POST_URL)
    assert page.locator("[data-test=edit]").count() == 0
    before = page.locator("[data-test=comment]").count()
    page.fill("#f-comment", text)
    page.click("[data-test=send-comment]")
    page.wait_for_url(re.compile(r"/community/posts/.+"))
    assert page.locator("[data-test=comment]").count() == before + 1
    assert text in page.inner_text("[data-test=comments]")
    return path_of(page)


def like_and_confirm_a_price(page: Any) -> None:
    page.goto("/community/prices")
    page.locator("[data-test=post-link]", has_text="생수").first.click()
    page.wait_for_url(POST_URL)
    likes, confirms = count_of(page, "likes"), count_of(page, "confirms")
    page.click("[data-test=like]")
    page.wait_for_selector("[data-test=unlike]")
    assert count_of(page, "likes") == likes + 1
    page.click("[data-test=confirm]")
    page.wait_for_selector("[data-test=confirmed]")
    assert count_of(page, "confirms") == confirms + 1
    page.reload()
    assert count_of(page, "likes") == likes + 1
    assert page.locator("[data-test=unconfirm]").count() == 1


def test_thrift_community_journey(
    new_page: Any, browser: Any, site: Site, lang: str, shots: Path
) -> None:
    page = new_page
    guest_reads_boards_and_a_post(page, lang)
    sign_up(page, site, "community", name="알뜰러")
    mark = uuid.uuid4().hex[:8]
    mine = write_post(page, "free", f"무지출 {mark}", "첫 줄\n둘째 줄")
    assert WORDS[lang]["written"] in page.inner_text("main")
    assert page.locator("[data-test=edit]").count() == 1
    assert page.inner_text("[data-test=post-body]") == "첫 줄\n둘째 줄"
    comment = f"좋은 정보 감사해요 {mark}"
    commented = comment_on_others_post(page, comment)
    priced = write_post(
        page, "prices", f"라면 {mark}", "행사 중", item="라면 5개입", price="3,980",
        photo=True, store="동네마트", url="https://example.com/ramen",
    )  # fmt: skip
    assert page.get_attribute("[data-test=post-price]", "data-price") == "3980"
    assert page.locator("[data-test=confirm]").count() == 0  # not one's own price
    photo = page.locator("[data-test=post-photo]")
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 1
    like_and_confirm_a_price(page)

    guest = site.person(browser, lang)
    guest.goto(mine)
    assert guest.inner_text("[data-test=post-title]") == f"무지출 {mark}"
    assert guest.locator("[data-test=like]").count() == 0
    guest.goto(commented)
    assert comment in guest.inner_text("[data-test=comments]")
    guest.goto("/community/prices")
    row = guest.locator("[data-test=post-row]", has_text=mark)
    assert row.locator("[data-test=post-price]").get_attribute("data-price") == "3980"
    guest.goto(priced)
    assert guest.locator("[data-test=post-store]").inner_text() == "동네마트"
    guest.context.close()

    hostile = "<script>alert('x')</script>"
    write_post(page, "free", f"{hostile} {mark}", f"<b>굵게</b>\n{hostile}")
    assert page.inner_text("[data-test=post-title]") == f"{hostile} {mark}"
    assert hostile in page.inner_text("[data-test=post-body]")
    assert page.locator("main script, main b").count() == 0
    shot(page, shots, "community", lang)
