"""How boards, posts, comments, reports and reviews look in API answers.

Member text comes twice: as typed (``title``, ``body``: for editing; JSON-escaped like every
string of this context's answers) and as safe HTML (``body_html``). Hidden things are shown only
to admins, with ``state = hidden``; report counts only to admins.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from stampede.community.domain.boards import Board
from stampede.community.domain.posts import Post, excerpt
from stampede.community.domain.render import to_html

API = "/api/community"
DEFAULT_PAGE, MAX_PAGE = 20, 50


class Author(BaseModel):
    id: str
    name: str | None  # None until community learned the member's name


class BoardView(BaseModel):
    slug: str
    name: str
    description: str
    kind: str  # free | prices


class PriceView(BaseModel):
    item: str
    price: int  # won
    store: str | None
    url: str | None  # http(s) only; never fetched by the server


class PostSummary(BaseModel):
    id: str
    board: str
    title: str
    excerpt: str
    tags: list[str]
    author: Author
    price: PriceView | None  # on price boards
    image_url: str | None
    views: int
    likes: int
    confirms: int
    comments: int
    state: str  # visible | hidden (admins only see hidden posts)
    created_at: datetime
    updated_at: datetime


class Mine(BaseModel):
    liked: bool
    confirmed: bool
    reported: bool


class PostDetail(PostSummary):
    body: str
    body_html: str
    reports: int | None  # admins only
    mine: Mine | None  # the caller's like, confirmation and report; None for guests


class PostPage(BaseModel):
    board: BoardView
    items: list[PostSummary]
    next_cursor: str | None


class CommentView(BaseModel):
    id: str
    post_id: str
    parent_id: str | None
    author: Author | None  # None once deleted
    body: str  # "" when deleted, or hidden from a non-admin
    body_html: str
    state: str  # visible | hidden | deleted
    created_at: datetime
    updated_at: datetime
    replies: list[CommentView] = []  # top-level comments only


class CommentPage(BaseModel):
    post_id: str
    items: list[CommentView]  # top-level comments, oldest first, each with its replies
    next_cursor: str | None


class ReactionView(BaseModel):
    post_id: str
    what: str  # like | confirm
    count: int
    mine: bool


class ReportView(BaseModel):
    id: str
    post_id: str
    kind: str
    reason: str
    created_at: datetime


class ReportEntry(ReportView):
    reporter_id: str
    board: str
    post_title: str
    post_state: str
    post_reports: int


class ReportPage(BaseModel):
    items: list[ReportEntry]
    next_cursor: str | None


def board_view(board: Board) -> BoardView:
    return BoardView(
        slug=board.slug, name=board.name, description=board.description, kind=board.kind
    )


def _price(post: Post) -> PriceView | None:
    if post.item is None or post.price is None:
        return None
    return PriceView(item=post.item, price=post.price, store=post.store, url=post.url)


def post_summary(post: Post) -> dict[str, object]:
    image = f"{API}/posts/{post.id}/image" if post.image_type else None
    return {
        **{name: getattr(post, name) for name in PostSummary.model_fields if hasattr(post, name)},
        "excerpt": excerpt(post.body),
        "author": Author(id=post.author_id, name=post.author_name),
        "price": _price(post),
        "image_url": image,
    }


def post_detail(post: Post, admin: bool, mine: Mine | None) -> PostDetail:
    extra = {
        "body": post.body,
        "body_html": to_html(post.body),
        "reports": post.reports if admin else None,
    }
    return PostDetail.model_validate(post_summary(post) | extra | {"mine": mine})
