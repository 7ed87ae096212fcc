"""The RabbitMQ bus adapter (``amqp://``); same delivery rules as :class:`MemoryBus`.

Topology, declared idempotently:

* every publishing context ``<source>`` has a durable topic exchange ``<source>.events``; an
  envelope is published there with routing key ``<source>.<Type>``;
* every subscribed :class:`Queue` is a durable quorum queue named ``queue.name``, bound with each
  of its routing keys to the exchange of that key's context (the text before the first dot);
* its dead letters go through the direct exchange ``stampede.dead-letter`` (routing key = queue
  name) into the durable quorum queue ``<queue name>.dead``.

A non-empty ``namespace`` (setting ``BUS_NAMESPACE``) prefixes every exchange and queue name, so
several deployments, or test runs, can share one broker without seeing each other's messages.

Publishing uses publisher confirms: ``publish`` sends all envelopes concurrently and returns only
once the broker has confirmed every one (for quorum queues: once stored by a majority). A nack, a
timeout or a lost channel or connection raises, so the outbox relay retries; duplicates that a
retry may cause are removed by the consumers' inboxes, which deduplicate on ``Envelope.id``.

Delivery is at least once, with at most ``prefetch`` unacknowledged messages per queue. A handler
that returns acks its message; one that raises is logged and, after a linear backoff of
``retry_delay_s`` per attempt, nacked with requeue. The quorum queue counts deliveries and
dead-letters a message once it has been delivered ``delivery_limit`` times (``x-delivery-limit``
counts redeliveries, so it is set to ``delivery_limit - 1``). A body that is not an envelope is
rejected without requeue, i.e. dead-lettered at once.

The connection is robust: after a broker restart or network failure it reconnects and restores
channels, topology and consumers. Failing to connect the first time raises
:class:`ConfigurationError` for ``BUS_URL``. ``close`` cancels consumers (no new message is
taken), gives running handlers a grace period to finish and ack (what is left of the shutdown
budget while the process drains, at least :data:`CLOSE_GRACE_S`), then closes the connection:
the broker requeues every message left unacknowledged. While consuming it reports its
dead-letter queues' depths (``rabbitmq_dead.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from typing import Any

import aio_pika
import structlog
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
    ConsumerTag,
)

from stampede.kernel import shutdown
from stampede.kernel.bus import Queue
from stampede.kernel.errors import ConfigurationError
from stampede.kernel.messages import Envelope
from stampede.kernel.rabbitmq_dead import dead_letter_queue_name as dead_letter_queue_name
from stampede.kernel.rabbitmq_dead import declare_dead_letters, watch_dead_letters
from stampede.kernel.rabbitmq_wire import (
    attempt,
    first_error,
    message_of,
    queue_arguments,
    reason,
    where,
)

DEAD_LETTER_EXCHANGE = "stampede.dead-letter"
CONNECT_TIMEOUT_S = 5.0
PUBLISH_TIMEOUT_S = 30.0
CLOSE_GRACE_S = 5.0
log = structlog.get_logger()


def exchange_name(context: str) -> str:
    """The topic exchange a context publishes its events to."""
    return f"{context}.events"


class RabbitBus:
    """The bus over RabbitMQ; subscribe queues, then ``start()`` to declare and consume."""

    def __init__(
        self,
        url: str,
        delivery_limit: int = 5,
        prefetch: int = 64,
        retry_delay_s: float = 0.2,
        namespace: str = "",
    ) -> None:
        self.namespace = namespace
        self.delivery_limit = delivery_limit
        self.prefetch = prefetch
        self.retry_delay_s = retry_delay_s
        self._url = url
        self._queues: dict[str, Queue] = {}
        self._connection: AbstractRobustConnection | None = None
        self._connecting = asyncio.Lock()
        self._opening = asyncio.Lock()
        self._publisher: AbstractChannel | None = None
        self._exchanges: dict[str, AbstractExchange] = {}
        self._consumers: list[tuple[AbstractQueue, ConsumerTag]] = []
        self._handling: set[asyncio.Task[Any]] = set()
        self._watching: asyncio.Task[None] | None = None

    def subscribe(self, queue: Queue) -> None:
        named = replace(queue, name=self.namespace + queue.name)
        self._queues[named.name] = named

    async def start(self) -> None:
        """Declare the topology of every subscribed queue and start consuming it."""
        await self._connect()  # even with no queues, so a wrong BUS_URL fails at startup
        if self._consumers:
            return
        for queue in self._queues.values():
            await self._consume(queue)
        if self._queues and self._watching is None:
            watch = watch_dead_letters(self._connect, list(self._queues))
            self._watching = asyncio.create_task(watch, name="bus:dead-letters")

    async def declare(self) -> None:
        """Declare the topology of every subscribed queue without consuming."""
        connection = await self._connect()
        channel = await connection.channel()
        try:
            for queue in self._queues.values():
                await self._declare(channel, queue)
        finally:
            await channel.close()

    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        """Publish all envelopes at once; return when the broker has confirmed every one."""
        if not envelopes:
            return
        channel = await self._publisher_channel()
        exchanges = {s: await self._exchange(channel, s) for s in {e.source for e in envelopes}}
        sends = (
            exchanges[e.source].publish(
                message_of(e), e.routing_key, mandatory=False, timeout=PUBLISH_TIMEOUT_S
            )
            for e in envelopes
        )
        error = first_error(await asyncio.gather(*sends, return_exceptions=True))
        if error is not None:
            raise error

    async def ping(self) -> None:
        connection = await self._connect()
        if connection.is_closed or not connection.connected.is_set():
            raise ConnectionError(f"RabbitMQ connection to {where(self._url)} is closed")

    async def close(self) -> None:
        if self._watching is not None:
            self._watching.cancel()
            self._watching = None
        await self._cancel_consumers()
        if self._handling:
            grace_s = shutdown.remaining_s(floor=CLOSE_GRACE_S)
            await asyncio.wait(set(self._handling), timeout=grace_s)
        connection, self._connection = self._connection, None
        self._publisher = None
        self._exchanges.clear()
        if connection is not None:
            await connection.close()

    async def _connect(self) -> AbstractRobustConnection:
        async with self._connecting:
            if self._connection is None:
                self._connection = await self._first_connect()
            return self._connection

    async def _first_connect(self) -> AbstractRobustConnection:
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_S + 1):
                return await aio_pika.connect_robust(self._url, timeout=CONNECT_TIMEOUT_S)
        except Exception as exc:
            why = f"cannot connect to {where(self._url)}: {reason(exc, self._url)}"
            raise ConfigurationError("BUS_URL", why) from exc

    async def _publisher_channel(self) -> AbstractChannel:
        connection = await self._connect()
        async with self._opening:
            if self._publisher is None or self._publisher.is_closed:
                self._publisher = await connection.channel(publisher_confirms=True)
                self._exchanges.clear()
            return self._publisher

    async def _exchange(self, channel: AbstractChannel, context: str) -> AbstractExchange:
        if context not in self._exchanges:
            self._exchanges[context] = await channel.declare_exchange(
                exchange_name(self.namespace + context), aio_pika.ExchangeType.TOPIC, durable=True
            )
        return self._exchanges[context]

    async def _declare(self, channel: AbstractChannel, queue: Queue) -> AbstractQueue:
        """Declare ``queue``, its bindings and its dead-letter queue; return the queue."""
        await declare_dead_letters(channel, self._dead_letter_exchange, queue.name)
        arguments = queue_arguments(queue.name, self.delivery_limit, self._dead_letter_exchange)
        amqp_queue = await channel.declare_queue(queue.name, durable=True, arguments=arguments)
        for key in queue.routing_keys:
            context = key.split(".", 1)[0]
            exchange = await channel.declare_exchange(
                exchange_name(self.namespace + context), aio_pika.ExchangeType.TOPIC, durable=True
            )
            await amqp_queue.bind(exchange, routing_key=key)
        return amqp_queue

    @property
    def _dead_letter_exchange(self) -> str:
        return self.namespace + DEAD_LETTER_EXCHANGE

    async def _consume(self, queue: Queue) -> None:
        connection = await self._connect()
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=self.prefetch)
        amqp_queue = await self._declare(channel, queue)
        tag = await amqp_queue.consume(partial(self._on_message, queue))
        self._consumers.append((amqp_queue, tag))

    async def _cancel_consumers(self) -> None:
        consumers, self._consumers = self._consumers, []
        for amqp_queue, tag in consumers:
            try:
                await amqp_queue.cancel(tag)
            except Exception as exc:  # the connection may already be gone
                log.warning("consumer cancel failed", queue=amqp_queue.name, error=repr(exc))

    async def _on_message(self, queue: Queue, message: AbstractIncomingMessage) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handling.add(task)
            task.add_done_callback(self._handling.discard)
        try:
            envelope = Envelope.from_json(message.body)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.error(
                "undecodable message dead-lettered",
                queue=queue.name,
                message_id=message.message_id,
                error=repr(exc),
            )
            await message.reject(requeue=False)
            return
        await self._handle(queue, envelope, message)

    async def _handle(
        self, queue: Queue, envelope: Envelope, message: AbstractIncomingMessage
    ) -> None:
        delivery = attempt(message)
        try:
            await queue.deliver(envelope)
        except Exception as exc:  # a failing handler must not stop its queue
            log.warning(
                "handler failed",
                queue=queue.name,
                id=envelope.id,
                attempt=delivery,
                error=repr(exc),
            )
            await asyncio.sleep(self.retry_delay_s * delivery)
            await message.nack(requeue=True)
            return
        await message.ack()
