"""Dead letters on RabbitMQ in ``stampede_bus_dead_letters``: while a bus consumes, it reads
each dead-letter queue's count from the broker, afresh at every reading."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import aio_pika
import pytest
from prometheus_client import REGISTRY

from stampede.kernel import rabbitmq_dead
from stampede.kernel.bus import Queue
from stampede.kernel.messages import Envelope
from stampede.kernel.rabbitmq import DEAD_LETTER_EXCHANGE, RabbitBus, exchange_name

pytestmark = pytest.mark.rabbitmq
SOURCE = "depthsrc"


async def poison(envelope: Envelope) -> None:
    raise RuntimeError("this handler fails on every message")


@pytest.fixture
async def bus(amqp_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[RabbitBus]:
    """A bus of its own namespace consuming ``depth.fails``, whose handler always fails."""
    monkeypatch.setattr(rabbitmq_dead, "DEPTH_EVERY_S", 0.05)
    namespace = f"t{uuid.uuid4().hex[:8]}."
    made = RabbitBus(amqp_url, delivery_limit=2, retry_delay_s=0.01, namespace=namespace)
    made.subscribe(Queue("depth.fails", (f"{SOURCE}.Poison",), poison))
    await made.start()
    yield made
    await made.close()
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        for queue in ("depth.fails", "depth.fails.dead"):
            await channel.queue_delete(namespace + queue)
        for exchange in (exchange_name(SOURCE), DEAD_LETTER_EXCHANGE):
            await channel.exchange_delete(namespace + exchange)


async def depth_becomes(queue: str, wanted: int) -> None:
    for _ in range(300):
        if REGISTRY.get_sample_value("stampede_bus_dead_letters", {"queue": queue}) == wanted:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{queue}: the dead-letter depth never became {wanted}")


async def test_the_depth_of_each_dead_letter_queue_is_read_from_the_broker(bus: RabbitBus) -> None:
    queue = bus.namespace + "depth.fails"
    await depth_becomes(queue, 0)
    await bus.publish([Envelope(type="Poison", source=SOURCE, data={})])
    await depth_becomes(queue, 1)
    await bus.publish([Envelope(type="Poison", source=SOURCE, data={}) for _ in range(2)])
    await depth_becomes(queue, 3)
