"""Request bodies: unknown fields are refused (422), text has length caps and no NUL
characters, titles and names are trimmed."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from stampede.community.domain.boards import DESCRIPTION_MAX, NAME_MAX, SLUG_PATTERN
from stampede.community.domain.posts import (
    BODY_MAX,
    COMMENT_MAX,
    ITEM_MAX,
    PRICE_MAX,
    REASON_MAX,
    STORE_MAX,
    TAGS_MAX,
    TITLE_MAX,
    URL_MAX,
)
from stampede.community.domain.reviews import REVIEW_MAX, STARS_MAX, STARS_MIN


def _no_nul(text: str) -> str:
    if "\x00" in text:
        raise ValueError("text must not contain NUL characters")
    return text


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("text must not be blank")
    return text


NoNul = AfterValidator(_no_nul)
NotBlank = AfterValidator(_not_blank)
Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX), NoNul
]
Body = Annotated[str, StringConstraints(max_length=BODY_MAX), NoNul, NotBlank]
CommentBody = Annotated[str, StringConstraints(max_length=COMMENT_MAX), NoNul, NotBlank]
ReviewBody = Annotated[str, StringConstraints(max_length=REVIEW_MAX), NoNul]
Item = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=ITEM_MAX), NoNul
]
StoreName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=STORE_MAX), NoNul
]
Url = Annotated[str, StringConstraints(max_length=URL_MAX), NoNul]
Tag = Annotated[str, StringConstraints(max_length=40), NoNul]
Tags = Annotated[list[Tag], Field(max_length=TAGS_MAX)]
Price = Annotated[int, Field(ge=0, le=PRICE_MAX)]
Stars = Annotated[int, Field(ge=STARS_MIN, le=STARS_MAX)]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=REASON_MAX), NoNul
]
BoardName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX), NoNul
]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=DESCRIPTION_MAX), NoNul
]
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PostCreate(Strict):
    title: Title
    body: Body
    tags: Tags = []
    item: Item | None = None
    price: Price | None = None
    store: StoreName | None = None
    url: Url | None = None


class PostPatch(Strict):
    title: Title | None = None
    body: Body | None = None
    tags: Tags | None = None
    item: Item | None = None
    price: Price | None = None
    store: StoreName | None = None
    url: Url | None = None


class CommentCreate(Strict):
    body: CommentBody
    parent_id: uuid.UUID | None = None  # a top-level comment of the same post


class CommentPatch(Strict):
    body: CommentBody


class ReportCreate(Strict):
    kind: Literal["spam", "abuse", "wrong_price", "other"] = "other"
    reason: Reason


class BoardCreate(Strict):
    slug: Slug
    name: BoardName
    description: Description = ""
    kind: Literal["free", "prices"] = "free"


class ReviewCreate(Strict):
    listing_id: uuid.UUID | None = None  # or ``?listing_id=``
    order_id: uuid.UUID | None = None  # default: the oldest completed order not reviewed yet
    stars: Stars
    body: ReviewBody = ""


class ReviewPatch(Strict):
    stars: Stars | None = None
    body: ReviewBody | None = None
