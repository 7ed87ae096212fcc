"""Community's consumers: members' names from identity, completed orders from ordering.

Each message is handled once (inbox) in its own transaction. Community never calls or reads
another context: a member's name is the one their last ``AccountRegistered`` or
``ProfileUpdated`` carried, and a buyer may review a listing once one of their orders of it
reached ``COMPLETED`` (statuses only move forward, so a completed order stays so).
"""

from __future__ import annotations

from stampede.community.domain.reviews import COMPLETED, CompletedOrder
from stampede.community.store import CommunityUoW
from stampede.identity.contracts import AccountRegistered, ProfileUpdated
from stampede.kernel.module import Subscription
from stampede.ordering.contracts import OrderStatusChanged


async def order_status_changed(event: OrderStatusChanged, uow: CommunityUoW) -> None:
    """Remember a completed order: its buyer may now review its listing."""
    if event.status != COMPLETED:
        return
    order = CompletedOrder(
        order_id=event.order_id,
        user_id=event.user_id,
        listing_id=event.listing_id,
        listing_kind=event.listing_kind,
        title=event.title,
        completed_at=event.at,
    )
    await uow.orders.remember(order)


async def account_registered(event: AccountRegistered, uow: CommunityUoW) -> None:
    await uow.members.remember(event.user_id, event.name, uow.runtime.now())


async def profile_updated(event: ProfileUpdated, uow: CommunityUoW) -> None:
    await uow.members.remember(event.user_id, event.name, uow.runtime.now())


SUBSCRIPTIONS: tuple[Subscription, ...] = (
    Subscription(OrderStatusChanged, order_status_changed),
    Subscription(AccountRegistered, account_registered),
    Subscription(ProfileUpdated, profile_updated),
)
