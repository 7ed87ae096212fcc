"""Community's use cases: posts and boards (``posts``), comments (``comments``), likes,
confirmations and reports (``reactions``), reviews (``reviews``), the consumers of identity's
and ordering's events (``events``), view counts (``views``) and the demo seed (``demo``)."""

from __future__ import annotations

from stampede.community.handlers.comments import (
    add_comment,
    delete_comment,
    edit_comment,
    moderate_comment,
)
from stampede.community.handlers.common import first_view
from stampede.community.handlers.demo import seed_demo, seed_when_ready
from stampede.community.handlers.events import SUBSCRIPTIONS
from stampede.community.handlers.posts import (
    create_board,
    create_post,
    delete_post,
    drop_image,
    moderate_post,
    put_image,
    update_post,
)
from stampede.community.handlers.reactions import react, report
from stampede.community.handlers.reviews import (
    delete_review,
    edit_review,
    moderate_review,
    post_review,
)
from stampede.community.handlers.views import count_view, waiting_views, write_views

__all__ = [
    "SUBSCRIPTIONS",
    "add_comment",
    "count_view",
    "create_board",
    "create_post",
    "delete_comment",
    "delete_post",
    "delete_review",
    "drop_image",
    "edit_comment",
    "edit_review",
    "first_view",
    "moderate_comment",
    "moderate_post",
    "moderate_review",
    "post_review",
    "put_image",
    "react",
    "report",
    "seed_demo",
    "seed_when_ready",
    "update_post",
    "waiting_views",
    "write_views",
]
