"""Writing reviews: post one for a completed order, change or delete one's own, and (admins)
hide or restore one.

Each change bumps the review's ``seq`` and emits its event (outbox, same transaction):
posted → ``ReviewPosted`` (seq 1); edited or restored → ``ReviewUpdated``; deleted or
hidden → ``ReviewDeleted``. A change asked for again (same stars and text, hiding a hidden
review) changes nothing and emits nothing.
"""

from __future__ import annotations

from dataclasses import replace

from stampede.community.domain import reviews as rules
from stampede.community.domain.access import DELETED, HIDDEN, VISIBLE, owned, seen
from stampede.community.domain.reviews import Review
from stampede.community.handlers.common import admin
from stampede.community.store import CommunityUoW
from stampede.kernel.auth import Principal
from stampede.kernel.messages import Event
from stampede.kernel.sqltypes import new_id


async def post_review(
    uow: CommunityUoW,
    user: Principal,
    listing_id: str,
    order_id: str | None,
    rating: tuple[int, str],
) -> str:
    """The new review's id. 403 ``no-completed-order`` without a completed order of the
    listing (or that order); 409 ``already-reviewed`` once the order has its review."""
    stars, body = rating
    now = uow.runtime.now()
    async with uow:
        order = rules.order_to_review(await uow.orders.of(user.user_id, listing_id), order_id)
        review = Review(
            new_id(), order.order_id, order.listing_id, user.user_id, stars, body, VISIBLE, 1,
            now, now,
        )  # fmt: skip
        if not await uow.reviews.add(review):
            raise rules.already_reviewed()
        _announce(uow, rules.posted(review))
        await uow.commit()
    return review.id


async def _review_for(uow: CommunityUoW, user: Principal, review_id: str) -> Review:
    """The review (locked) when the caller may see it; 404 ``no-review`` otherwise."""
    review = await uow.reviews.get(review_id, lock=True)
    seen(None if review is None else review.state, admin(user), "review")
    assert review is not None
    return review


async def edit_review(
    uow: CommunityUoW, user: Principal, review_id: str, stars: int | None, body: str | None
) -> None:
    """Change the caller's own review (403 ``not-yours`` for anyone else's)."""
    async with uow:
        review = await _review_for(uow, user, review_id)
        owned(review.user_id, user.user_id, "review")
        new_stars = review.stars if stars is None else stars
        new_body = review.body if body is None else body
        if (new_stars, new_body) != (review.stars, review.body):
            changed = _next(uow, review, stars=new_stars, body=new_body)
            await _save(uow, changed, rules.updated(changed))


async def delete_review(uow: CommunityUoW, user: Principal, review_id: str) -> None:
    """Delete the caller's own review (403 for anyone else's); the order stays reviewed."""
    async with uow:
        review = await _review_for(uow, user, review_id)
        owned(review.user_id, user.user_id, "review")
        changed = _next(uow, review, state=DELETED)
        await _save(uow, changed, rules.deleted(changed))


async def moderate_review(uow: CommunityUoW, user: Principal, review_id: str, hide: bool) -> None:
    """Hide (``ReviewDeleted``) or restore (``ReviewUpdated``) a review; again: no change."""
    source, target = (VISIBLE, HIDDEN) if hide else (HIDDEN, VISIBLE)
    async with uow:
        review = await _review_for(uow, user, review_id)
        if review.state == source:
            changed = _next(uow, review, state=target)
            await _save(uow, changed, rules.deleted(changed) if hide else rules.updated(changed))


def _next(
    uow: CommunityUoW,
    review: Review,
    *,
    stars: int | None = None,
    body: str | None = None,
    state: str | None = None,
) -> Review:
    """The review after one more change (``seq`` + 1, changed now)."""
    return replace(
        review,
        stars=review.stars if stars is None else stars,
        body=review.body if body is None else body,
        state=state or review.state,
        seq=review.seq + 1,
        updated_at=uow.runtime.now(),
    )


async def _save(uow: CommunityUoW, review: Review, event: Event) -> None:
    await uow.reviews.save(review)
    _announce(uow, event)
    await uow.commit()


def _announce(uow: CommunityUoW, event: Event) -> None:
    uow.emit(event, subject=getattr(event, "listing_id", ""))
