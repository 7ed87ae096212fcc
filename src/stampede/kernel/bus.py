"""The bus seam: publish envelopes, deliver them to one queue per handler.

Adapters: :class:`MemoryBus` (``memory://``, in-process) and ``RabbitBus`` (``amqp://``, in
``rabbitmq.py``). Delivery is at least once; a handler that raises is retried with backoff up to
``delivery_limit`` times, then its message is dead-lettered. Consumers make it exactly-once with
the inbox. Publishing never runs handlers in the publisher's call. Each adapter keeps
``stampede_bus_dead_letters`` (messages in each queue's dead letters) up to date, and closes
gracefully while the process drains (see :mod:`stampede.kernel.shutdown`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import structlog
from prometheus_client import Gauge

from stampede.kernel import shutdown
from stampede.kernel.aio import cancel_all
from stampede.kernel.errors import ConfigurationError
from stampede.kernel.messages import Envelope

Deliver = Callable[[Envelope], Awaitable[None]]
log = structlog.get_logger()
DEAD_LETTERS = Gauge("stampede_bus_dead_letters", "Messages dead-lettered per queue", ["queue"])


@dataclass(frozen=True)
class Queue:
    """A durable queue named ``<consumer context>.<handler>``, bound to routing keys."""

    name: str
    routing_keys: tuple[str, ...]
    deliver: Deliver


class Bus(Protocol):
    delivery_limit: int

    def subscribe(self, queue: Queue) -> None: ...
    async def declare(self) -> None:
        """Create the subscribed queues and bindings without consuming."""
        ...

    async def start(self) -> None: ...
    async def publish(self, envelopes: Sequence[Envelope]) -> None: ...
    async def ping(self) -> None: ...
    async def close(self) -> None: ...


@dataclass
class _MemoryQueue:
    queue: Queue
    pending: asyncio.Queue[tuple[Envelope, int]] = field(default_factory=asyncio.Queue)
    busy: int = 0


class MemoryBus:
    """In-process bus with the same delivery rules as RabbitMQ; ``settle()`` waits until idle.

    Its queues live in this process only: closed while the process drains, it first handles
    what it holds (for what is left of the shutdown budget), since those messages were already
    marked sent in their outbox."""

    def __init__(self, delivery_limit: int = 5, retry_delay_s: float = 0.05) -> None:
        self.delivery_limit = delivery_limit
        self.retry_delay_s = retry_delay_s
        self.dead_letters: dict[str, list[Envelope]] = {}
        self._queues: dict[str, _MemoryQueue] = {}
        self._workers: list[asyncio.Task[None]] = []

    def subscribe(self, queue: Queue) -> None:
        self._queues[queue.name] = _MemoryQueue(queue)

    async def start(self) -> None:
        for q in self._queues.values():
            DEAD_LETTERS.labels(q.queue.name).set(len(self.dead_letters.get(q.queue.name, ())))
            self._workers.append(asyncio.create_task(self._work(q), name=f"bus:{q.queue.name}"))

    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        for envelope in envelopes:
            for q in self._queues.values():
                if envelope.routing_key in q.queue.routing_keys:
                    q.pending.put_nowait((envelope, 1))

    async def ping(self) -> None:
        return None

    async def declare(self) -> None:
        return None

    async def settle(self, timeout_s: float = 10.0) -> None:
        """Return once every queue is empty and no handler is running."""
        async with asyncio.timeout(timeout_s):
            while any(q.pending.qsize() or q.busy for q in self._queues.values()):  # noqa: ASYNC110
                await asyncio.sleep(0.005)

    async def close(self) -> None:
        if shutdown.draining() and self._workers:
            try:
                await self.settle(shutdown.remaining_s(floor=1.0))
            except TimeoutError:
                left = sum(q.pending.qsize() + q.busy for q in self._queues.values())
                log.warning("bus closed before every message was handled", messages=left)
        await cancel_all(self._workers)

    async def _work(self, q: _MemoryQueue) -> None:
        while True:
            envelope, attempt = await q.pending.get()
            q.busy += 1
            try:
                await self._deliver(q, envelope, attempt)
            finally:
                q.busy -= 1

    async def _deliver(self, q: _MemoryQueue, envelope: Envelope, attempt: int) -> None:
        try:
            await q.queue.deliver(envelope)
        except Exception as exc:  # a failing handler must not stop its queue
            log.warning(
                "handler failed",
                queue=q.queue.name,
                id=envelope.id,
                attempt=attempt,
                error=repr(exc),
            )
            if attempt >= self.delivery_limit:
                dead = self.dead_letters.setdefault(q.queue.name, [])
                dead.append(envelope)
                DEAD_LETTERS.labels(q.queue.name).set(len(dead))
                return
            await asyncio.sleep(self.retry_delay_s * attempt)
            q.pending.put_nowait((envelope, attempt + 1))


def bus_from_url(url: str, namespace: str = "") -> Bus:
    """``memory://`` → :class:`MemoryBus`; ``amqp://`` → ``RabbitBus`` (names prefixed)."""
    if url.startswith("memory://"):
        return MemoryBus()
    if url.startswith(("amqp://", "amqps://")):
        from stampede.kernel.rabbitmq import RabbitBus

        return RabbitBus(url, namespace=namespace)
    raise ConfigurationError("BUS_URL", f"unsupported scheme in {url!r} (memory:// or amqp://)")
