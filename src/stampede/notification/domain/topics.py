"""What a user can choose to hear about, on which channel.

Every message kind belongs to a topic; a user turns a topic on or off per channel (e-mail,
in-app inbox). Everything is on until turned off, except what an account cannot do without:
verification mail is always sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class Topic(StrEnum):
    ACCOUNT = "account"
    ORDERS = "orders"  # the booking/order confirmation
    ORDER_STATUS = "order_status"  # a message on every later change of an order's status
    DEAL_ALERTS = "deal_alerts"
    KEYWORD_ALERTS = "keyword_alerts"


class Channel(StrEnum):
    EMAIL = "email"
    INBOX = "inbox"


TOPIC_OF_KIND: Mapping[str, Topic] = {
    "verify_email": Topic.ACCOUNT,
    "booking_confirmed": Topic.ORDERS,
    "status_changed": Topic.ORDER_STATUS,
    "deal_alert": Topic.DEAL_ALERTS,
    "keyword_alert": Topic.KEYWORD_ALERTS,
}
ALWAYS_ON = frozenset({(Topic.ACCOUNT, Channel.EMAIL)})
Choices = Mapping[tuple[str, str], bool]


def wants(choices: Choices, kind: str, channel: Channel) -> bool:
    """Whether a user with ``choices`` gets a ``kind`` message on ``channel``."""
    topic = TOPIC_OF_KIND[kind]
    if (topic, channel) in ALWAYS_ON:
        return True
    return choices.get((topic.value, channel.value), True)


def settings_view(choices: Choices) -> dict[str, dict[str, bool]]:
    """Every topic and channel with its current value (defaults filled in)."""
    return {
        topic.value: {
            channel.value: (topic, channel) in ALWAYS_ON
            or choices.get((topic.value, channel.value), True)
            for channel in Channel
        }
        for topic in Topic
    }


def changeable(topic: Topic, channel: Channel) -> bool:
    return (topic, channel) not in ALWAYS_ON
