"""Dead letters on RabbitMQ: each queue's dead-letter queue, and how many messages wait there.

A queue ``<name>`` dead-letters through the direct exchange ``stampede.dead-letter`` (routing key
``<name>``) into the durable quorum queue ``<name>.dead``. While a bus consumes, every
:data:`DEPTH_EVERY_S` a passive declare of each dead-letter queue reads its message count into
``stampede_bus_dead_letters{queue=<name>}`` (the gauge the in-process bus keeps too). A broker
that cannot be asked leaves the last values and is asked again next time. Several processes
consuming the same queues report the same counts (take the ``max``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import aio_pika
import structlog
from aio_pika.abc import AbstractChannel, AbstractRobustChannel, AbstractRobustConnection

from stampede.kernel.bus import DEAD_LETTERS

DEPTH_EVERY_S = 15.0
Connect = Callable[[], Awaitable[AbstractRobustConnection]]
log = structlog.get_logger()


def dead_letter_queue_name(queue_name: str) -> str:
    return f"{queue_name}.dead"


async def declare_dead_letters(channel: AbstractChannel, exchange_name: str, name: str) -> None:
    """Declare the dead-letter exchange and queue ``name``'s dead letters go to."""
    exchange = await channel.declare_exchange(
        exchange_name, aio_pika.ExchangeType.DIRECT, durable=True
    )
    dead = await channel.declare_queue(
        dead_letter_queue_name(name), durable=True, arguments={"x-queue-type": "quorum"}
    )
    await dead.bind(exchange, routing_key=name)


async def watch_dead_letters(connect: Connect, queues: Sequence[str]) -> None:
    """Report the depth of each queue's dead letters until cancelled."""
    channel: AbstractRobustChannel | None = None
    while True:
        try:
            channel = await _report(connect, channel, queues)
        except Exception as exc:  # the broker may be away, or a queue deleted
            log.warning("dead-letter depth unknown", error=repr(exc))
            channel = None
        await asyncio.sleep(DEPTH_EVERY_S)


async def _report(
    connect: Connect, channel: AbstractRobustChannel | None, queues: Sequence[str]
) -> AbstractRobustChannel:
    """One reading of every queue's dead letters (a passive declare that is neither kept for
    reconnections nor answered from the channel's cache, so each reading asks the broker)."""
    if channel is None or channel.is_closed:
        channel = await (await connect()).channel()
    for queue in queues:
        dead = dead_letter_queue_name(queue)
        declared = await channel.declare_queue(dead, passive=True, robust=False)
        DEAD_LETTERS.labels(queue).set(declared.declaration_result.message_count or 0)
    return channel
