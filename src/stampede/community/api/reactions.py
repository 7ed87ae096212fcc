"""Likes and price confirmations (once per member: giving again or taking back what was not
given answers the same), reports (once per member: 409 the second time), and the admins' list
of reports."""

from __future__ import annotations

import uuid

from stampede.community import handlers
from stampede.community.api.bodies import ReportCreate
from stampede.community.api.common import (
    DEFAULT_LIMIT,
    Cursor,
    Limit,
    P,
    UowDep,
    community_router,
)
from stampede.community.views import reads
from stampede.community.views.models import ReactionView, ReportPage, ReportView
from stampede.kernel.auth import AdminUser, CurrentUser, Principal

router = community_router()


async def _react(
    uow: UowDep, user: Principal, post_id: uuid.UUID, what: str, on: bool
) -> ReactionView:
    count = await handlers.react(uow, user, str(post_id), what, on)
    return ReactionView(post_id=str(post_id), what=what.removesuffix("s"), count=count, mine=on)


@router.post(f"{P}/posts/{{post_id}}/like")
async def like(post_id: uuid.UUID, user: CurrentUser, uow: UowDep) -> ReactionView:
    return await _react(uow, user, post_id, "likes", True)


@router.delete(f"{P}/posts/{{post_id}}/like")
async def unlike(post_id: uuid.UUID, user: CurrentUser, uow: UowDep) -> ReactionView:
    return await _react(uow, user, post_id, "likes", False)


@router.post(f"{P}/posts/{{post_id}}/confirm")
async def confirm(post_id: uuid.UUID, user: CurrentUser, uow: UowDep) -> ReactionView:
    """The price is right, says the caller (price boards only: 422 ``not-a-price-board``;
    not the author: 403 ``own-post``)."""
    return await _react(uow, user, post_id, "confirms", True)


@router.delete(f"{P}/posts/{{post_id}}/confirm")
async def unconfirm(post_id: uuid.UUID, user: CurrentUser, uow: UowDep) -> ReactionView:
    return await _react(uow, user, post_id, "confirms", False)


@router.post(f"{P}/posts/{{post_id}}/report", status_code=201)
async def report(
    post_id: uuid.UUID, body: ReportCreate, user: CurrentUser, uow: UowDep
) -> ReportView:
    """Report a post (spam, abuse, a wrong price, other); 409 ``already-reported``."""
    report_id, at = await handlers.report(uow, user, str(post_id), body.kind, body.reason)
    return ReportView(
        id=report_id, post_id=str(post_id), kind=body.kind, reason=body.reason, created_at=at
    )


@router.get(f"{P}/reports")
async def reports(
    admin: AdminUser, uow: UowDep, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> ReportPage:
    """Admins only: every report, newest first, with its post's state and report count."""
    return await reads.reports(uow, (cursor, limit))
