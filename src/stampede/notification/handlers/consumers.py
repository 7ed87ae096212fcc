"""What notification hears from identity and the catalog, and the messages it makes of it.

Each handler runs once per event (inbox). Notification keeps its own copy of what it needs —
who a user is (name, address, language) and who subscribed to which keyword — from events only.
"""

from __future__ import annotations

from stampede.catalog.contracts import (
    AlertDue,
    KeywordSubscribed,
    KeywordUnsubscribed,
    ListingPublished,
    keyword_matches,
)
from stampede.identity.contracts import (
    AccountRegistered,
    EmailVerificationRequested,
    ProfileUpdated,
)
from stampede.kernel.module import Subscription
from stampede.notification.domain.topics import Channel
from stampede.notification.handlers.notify import Message, notify
from stampede.notification.store import NotificationUoW


async def account_registered(event: AccountRegistered, uow: NotificationUoW) -> None:
    await uow.recipients.put(event.user_id, email=event.email, name=event.name, locale=event.locale)


async def profile_updated(event: ProfileUpdated, uow: NotificationUoW) -> None:
    await uow.recipients.put(event.user_id, name=event.name, locale=event.locale)


async def verification_requested(event: EmailVerificationRequested, uow: NotificationUoW) -> None:
    """One verification mail (never an inbox entry: it is about the address itself)."""
    await uow.recipients.put(event.user_id, email=event.email, name=event.name, locale=event.locale)
    params = {"expires_at": event.expires_at}
    path = f"/verify-email?token={event.token}"
    await notify(
        uow, Message(uow.message_id, event.user_id, "verify_email", params, path, (Channel.EMAIL,))
    )


async def keyword_subscribed(event: KeywordSubscribed, uow: NotificationUoW) -> None:
    await uow.keywords.add(event.subscription_id, event.user_id, event.keyword)


async def keyword_unsubscribed(event: KeywordUnsubscribed, uow: NotificationUoW) -> None:
    await uow.keywords.remove(event.subscription_id)


async def alert_due(event: AlertDue, uow: NotificationUoW) -> None:
    """A liked deal opens in 24 hours or in 1 hour."""
    params = {"title": event.title, "opens_at": event.opens_at, "lead": event.lead}
    path = f"/listings/{event.listing_id}"
    await notify(uow, Message(uow.message_id, event.user_id, "deal_alert", params, path))


async def listing_published(event: ListingPublished, uow: NotificationUoW) -> None:
    """Everyone with a keyword the new listing matches (as catalog search would find it) hears
    of it once, however many of their keywords match."""
    told: set[str] = set()
    for subscription in await uow.keywords.all():
        if subscription.user_id in told or not keyword_matches(
            event.search_text, subscription.keyword
        ):
            continue
        told.add(subscription.user_id)
        params = {"keyword": subscription.keyword, "title": event.title, "price": event.price}
        path = f"/listings/{event.listing_id}"
        await notify(
            uow, Message(uow.message_id, subscription.user_id, "keyword_alert", params, path)
        )


SUBSCRIPTIONS = (
    Subscription(AccountRegistered, account_registered),
    Subscription(ProfileUpdated, profile_updated),
    Subscription(EmailVerificationRequested, verification_requested),
    Subscription(KeywordSubscribed, keyword_subscribed),
    Subscription(KeywordUnsubscribed, keyword_unsubscribed),
    Subscription(AlertDue, alert_due),
    Subscription(ListingPublished, listing_published),
)
