"""How the RabbitMQ bus reads on the wire: messages, queue arguments, delivery counts, and
error text safe to log (no credentials)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from stampede.kernel.messages import Envelope

CONTENT_TYPE = "application/cloudevents+json"


def message_of(envelope: Envelope) -> aio_pika.Message:
    return aio_pika.Message(
        body=envelope.to_json(),
        content_type=CONTENT_TYPE,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=envelope.id,
        type=envelope.type,
        headers={"traceparent": envelope.traceparent},
    )


def queue_arguments(name: str, delivery_limit: int, dead_letters: str) -> dict[str, Any]:
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": max(delivery_limit - 1, 0),
        "x-dead-letter-exchange": dead_letters,
        "x-dead-letter-routing-key": name,
    }


def attempt(message: AbstractIncomingMessage) -> int:
    """1 for the first delivery; quorum queues count earlier ones in ``x-delivery-count``."""
    count = message.headers.get("x-delivery-count", 0)
    return (count if isinstance(count, int) else 0) + 1


def where(url: str) -> str:
    """The broker address without credentials, for error messages."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.hostname}{port}{parts.path or '/'}"
    except ValueError:
        return "the configured URL"


def reason(exc: BaseException, url: str) -> str:
    """One line saying why, without the password even if the library quoted the URL."""
    reason = " ".join(str(exc).split()) or type(exc).__name__
    with contextlib.suppress(ValueError):
        if password := urlsplit(url).password:
            reason = reason.replace(password, "***")
    return reason


def first_error(results: Sequence[object]) -> BaseException | None:
    errors = [r for r in results if isinstance(r, BaseException)]
    plain = [e for e in errors if isinstance(e, Exception)]
    if plain:
        return plain[0]
    if errors:  # a publish cancelled by its channel closing
        return ConnectionError("publish interrupted: the channel closed")
    return None
