"""Community's rules without I/O: safe HTML, tags, links, images, the order a review is for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from stampede.community.domain.images import UnsupportedMediaType, checked_image, media_type
from stampede.community.domain.posts import checked_url, excerpt, tags_of
from stampede.community.domain.render import to_html
from stampede.community.domain.reviews import CompletedOrder, order_to_review
from stampede.kernel.errors import Conflict, Forbidden, PayloadTooLarge, Unprocessable

T0 = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("", ""),
        ("한 줄", "<p>한 줄</p>"),
        ("첫 문단\n둘째 줄\n\n셋째 문단", "<p>첫 문단<br>둘째 줄</p><p>셋째 문단</p>"),
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("a & b", "<p>a &amp; b</p>"),
        (
            "see https://x.example/a?b=1&c=2.",
            '<p>see <a href="https://x.example/a?b=1&amp;c=2" rel="nofollow noopener ugc">'
            "https://x.example/a?b=1&amp;c=2</a>.</p>",
        ),
        ('https://x.example/"onmouseover="alert(1)', '<p><a href="https://x.example/" '
         'rel="nofollow noopener ugc">https://x.example/</a>"onmouseover="alert(1)</p>'),
        ("javascript:alert(1)", "<p>javascript:alert(1)</p>"),
    ],
)  # fmt: skip
def test_text_becomes_escaped_paragraphs_with_http_links(text: str, html: str) -> None:
    assert to_html(text) == html


def test_tags_are_trimmed_lowercased_and_unique() -> None:
    assert tags_of([" #Saving ", "절약", "saving", "무지출_챌린지"]) == [
        "saving",
        "절약",
        "무지출_챌린지",
    ]
    for bad in (["<b>"], ["a b"], [""], ["x" * 21], [str(n) for n in range(6)]):
        with pytest.raises(Unprocessable):
            tags_of(bad)


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "data:text/html,x", "ftp://x.example", "https://", "http:///x",
     "https://u:p@x.example", "https://x.example/a b", "https://x.example:0/", "https://x:99999/",
     "http://x.example/\x00", "x.example/path"],
)  # fmt: skip
def test_only_plain_http_and_https_links_are_taken(url: str) -> None:
    with pytest.raises(Unprocessable):
        checked_url(url)


def test_good_links_are_kept_as_given() -> None:
    for url in (
        "https://shop.example/item?id=1&ref=a",
        "HTTP://x.example:8080/",
        "http://10.0.0.1/",
    ):
        assert checked_url(url) == url


def test_images_are_known_by_their_first_bytes() -> None:
    assert media_type(b"\x89PNG\r\n\x1a\nrest") == "image/png"
    assert media_type(b"\xff\xd8\xff\xdb") == "image/jpeg"
    assert media_type(b"RIFF\x00\x00\x00\x00WEBPVP8L") == "image/webp"
    assert media_type(b"RIFF\x00\x00\x00\x00AVI ") is None
    with pytest.raises(PayloadTooLarge):
        checked_image(b"\xff\xd8\xff" + bytes(1_000_000))
    with pytest.raises(UnsupportedMediaType):
        checked_image(b"<svg onload=alert(1)>")
    with pytest.raises(Unprocessable):
        checked_image(b"")


def test_excerpts_are_one_short_line() -> None:
    assert excerpt("a\n\nb  c") == "a b c"
    assert len(excerpt("가" * 500)) == 160


def _order(order_id: str, minutes: int, reviewed: bool = False) -> CompletedOrder:
    at = T0 + timedelta(minutes=minutes)
    return CompletedOrder(order_id, "u", "l", "car", "차", at, reviewed)


def test_a_review_is_for_the_oldest_order_waiting_for_one() -> None:
    orders = [_order("b", 2), _order("a", 1, reviewed=True), _order("c", 3)]
    assert order_to_review(orders, None).order_id == "b"
    assert order_to_review(orders, "c").order_id == "c"
    with pytest.raises(Conflict):
        order_to_review(orders, "a")
    with pytest.raises(Forbidden):
        order_to_review(orders, "z")
    with pytest.raises(Forbidden):
        order_to_review([], None)
    with pytest.raises(Conflict):
        order_to_review([_order("a", 1, reviewed=True)], None)
