"""Posts and comments as community keeps them, and the rules for what a post may hold.

Titles, bodies and comments are stored as the member typed them (plain text); they become
HTML only when shown (:mod:`stampede.community.domain.render`). Tags are a few short words,
kept lowercased and without duplicates. On a price board a post names an item and its price
in won; the store, a link and a photo are optional. The link is checked (http or https, a host,
no credentials, no blanks) and only ever shown: the server never fetches it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from stampede.community.domain.boards import Board
from stampede.kernel.errors import Unprocessable

TITLE_MAX, BODY_MAX, COMMENT_MAX = 100, 10_000, 2_000
TAGS_MAX, TAG_MAX = 5, 20
ITEM_MAX, STORE_MAX, URL_MAX = 100, 60, 500
PRICE_MAX = 1_000_000_000
REASON_MAX = 300
SEARCH_MAX, SEARCH_TERMS = 100, 5
MAX_REPLIES = 100  # replies under one comment
PRICE_FIELDS = ("item", "price", "store", "url")
EXCERPT = 160
_TAG = re.compile(rf"[\w-]{{1,{TAG_MAX}}}")
_BLANK_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


@dataclass
class Post:
    id: str
    board: str
    author_id: str
    title: str
    body: str
    state: str  # visible | hidden (a deleted post is gone)
    created_at: datetime
    updated_at: datetime
    tags: list[str] = field(default_factory=list)
    item: str | None = None
    price: int | None = None
    store: str | None = None
    url: str | None = None
    image_type: str | None = None  # the photo's media type, when it has one
    views: int = 0
    likes: int = 0
    confirms: int = 0
    comments: int = 0
    reports: int = 0
    author_name: str | None = None  # from identity's events; None until one arrived


@dataclass
class Comment:
    id: str
    post_id: str
    parent_id: str | None  # a reply names its top-level comment; replies have no replies
    author_id: str
    body: str
    state: str  # visible | hidden | deleted (its body is gone, its replies stay)
    created_at: datetime
    updated_at: datetime
    author_name: str | None = None


def tags_of(raw: Iterable[str]) -> list[str]:
    """Tags trimmed, lowercased, without a leading ``#`` and without repeats, in the order
    given; 422 ``bad-tag`` for a tag of other characters than letters, digits, ``_`` and
    ``-``, longer than 20, or more than 5 of them."""
    tags: list[str] = []
    for tag in (t.strip().lstrip("#").lower() for t in raw):
        if not _TAG.fullmatch(tag):
            raise Unprocessable(f"a tag is 1 to {TAG_MAX} letters, digits, _ or -", slug="bad-tag")
        if tag not in tags:
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        raise Unprocessable(f"at most {TAGS_MAX} tags", slug="bad-tag")
    return tags


def checked_url(raw: str) -> str:
    """The link as given when it is an absolute http(s) URL with a host, no user or password
    and no blanks or control characters; 422 ``bad-url`` otherwise."""
    url = raw.strip()
    if not url or len(url) > URL_MAX or _BLANK_OR_CONTROL.search(url):
        raise _bad_url()
    try:
        parts = urlsplit(url)
        port = parts.port  # a malformed port raises
    except ValueError as exc:
        raise _bad_url() from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise _bad_url()
    if parts.username is not None or parts.password is not None or port == 0:
        raise _bad_url()
    return url


def _bad_url() -> Unprocessable:
    return Unprocessable("the link must be an http or https address", slug="bad-url")


def price_fields(board: Board, given: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """The item, price, store and link of ``given`` (only those present), checked for
    ``board``: 422 ``not-a-price-board`` when a free board's post has any, 422
    ``price-required`` when a new price post lacks its item or price (or a change clears
    them)."""
    present = {name: given[name] for name in PRICE_FIELDS if name in given}
    if not board.for_prices:
        if any(value is not None for value in present.values()):
            raise Unprocessable("only a price board's posts name a price", slug="not-a-price-board")
        return {}
    if any(present.get(n) is None for n in ("item", "price") if creating or n in present):
        raise Unprocessable("a price post names its item and price", slug="price-required")
    if present.get("url") is not None:
        present["url"] = checked_url(present["url"])
    return present


def search_terms(q: str | None) -> list[str]:
    """Up to five words of ``q`` (each must appear in the title or the body); none for an empty
    query."""
    return [] if not q else q.split()[:SEARCH_TERMS]


def excerpt(body: str) -> str:
    """The start of a body on one line, for lists."""
    flat = " ".join(body.split())
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1] + "…"
