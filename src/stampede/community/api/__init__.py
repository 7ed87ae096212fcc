"""Community's routes under ``/api/community``: boards, posts, their photos, comments,
reactions and reports, reviews. Every JSON answer (errors too) is escaped by
:mod:`stampede.community.api.common`."""

from __future__ import annotations

from fastapi import APIRouter

from stampede.community.api import boards, comments, images, posts, reactions, reviews

router = APIRouter()
for part in (boards, posts, images, comments, reactions, reviews):
    router.include_router(part.router)
