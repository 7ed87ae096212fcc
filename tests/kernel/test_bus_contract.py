"""The bus contract: every adapter (``memory``, ``rabbitmq``) passes the same tests.

Each test gets a :class:`Harness` from the ``bus`` fixture: a bus instance of one adapter plus
what a test needs to observe it from outside (messages waiting in a queue, dead letters). Where
adapters differ in what they can do, a test asks a capability flag of the harness, never the
adapter's name. RabbitMQ tests use queue and exchange names unique to the test and delete them.
"""

from __future__ import annotations

import asyncio
import uuid
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import aio_pika
import pytest
from aio_pika.abc import AbstractChannel, AbstractConnection

from stampede.kernel.bus import Bus, Deliver, MemoryBus, Queue
from stampede.kernel.messages import Envelope
from stampede.kernel.rabbitmq import RabbitBus, dead_letter_queue_name, exchange_name

DELIVERY_LIMIT = 3
RETRY_DELAY_S = 0.01
TIMEOUT_S = 15.0
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


class Boom(Exception):
    """What a failing test handler raises."""


@dataclass
class Recorder:
    """A handler that records every delivery and raises on the first ``failures`` of them."""

    failures: int = 0
    seen: list[Envelope] = field(default_factory=list)

    async def __call__(self, envelope: Envelope) -> None:
        self.seen.append(envelope)
        if len(self.seen) <= self.failures:
            raise Boom(f"delivery {len(self.seen)} fails on purpose")

    def ids(self) -> list[str]:
        return [envelope.id for envelope in self.seen]


async def eventually(check: Callable[[], bool | Awaitable[bool]], what: str) -> None:
    """Poll ``check`` until it holds; fail the test after ``TIMEOUT_S``."""
    deadline = asyncio.get_running_loop().time() + TIMEOUT_S
    while True:
        result = check()
        if result if isinstance(result, bool) else await result:
            return
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"timed out after {TIMEOUT_S}s waiting for {what}")
        await asyncio.sleep(0.01)


class Harness(ABC):
    """One adapter's bus (``.bus``) with unique names and outside views of its queues."""

    durable: ClassVar[bool]  # queued messages outlive the bus instance that declared the queue
    raw_bodies: ClassVar[bool]  # messages travel as bytes, so a body may not be an envelope
    can_refuse: ClassVar[bool]  # the broker can refuse (nack) a message it was handed

    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:10]
        self.source = f"src{tag}"
        self.consumer = f"ctx{tag}"
        self.queues: list[Queue] = []
        self.buses: list[Bus] = []
        self._subscribed: set[str] = set()
        self.bus = self.new_bus()

    def new_bus(self) -> Bus:
        """Another instance of the adapter (closed at teardown)."""
        bus = self._make_bus()
        self.buses.append(bus)
        return bus

    def queue(self, handler: str, deliver: Deliver, *types: str) -> Queue:
        queue = Queue(f"{self.consumer}.{handler}", tuple(map(self.key, types)), deliver)
        self.queues.append(queue)
        return queue

    def key(self, type_: str) -> str:
        return f"{self.source}.{type_}"

    def envelope(self, type_: str = "Happened", **data: Any) -> Envelope:
        return Envelope(type=type_, source=self.source, data=data)

    async def start(self, *queues: Queue) -> None:
        """Subscribe ``queues`` (unless :meth:`declare` did) and start the bus."""
        for queue in queues:
            if queue.name not in self._subscribed:
                self.bus.subscribe(queue)
        await self.bus.start()

    async def declare(self, *queues: Queue) -> None:
        """Make ``queues`` exist and collect messages without anyone consuming them yet."""
        for queue in queues:
            self.bus.subscribe(queue)
            self._subscribed.add(queue.name)
        await self._declare()

    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        await self.bus.publish(envelopes)

    async def aclose(self) -> None:
        for bus in self.buses:
            await bus.close()

    @abstractmethod
    def _make_bus(self) -> Bus: ...

    @abstractmethod
    async def _declare(self) -> None: ...

    @abstractmethod
    async def waiting(self, queue: Queue) -> int:
        """How many messages ``queue`` holds that no handler has been given yet."""

    @abstractmethod
    async def dead_letters(self, queue: Queue) -> list[Envelope]: ...

    @abstractmethod
    async def dead_bodies(self, queue: Queue) -> list[bytes]: ...

    @abstractmethod
    async def publish_raw(self, type_: str, body: bytes) -> None: ...

    @abstractmethod
    async def refuse(self, type_: str) -> None:
        """Make the broker refuse every message of ``type_`` from now on."""

    @abstractmethod
    async def settle(self) -> None:
        """Give a wrong extra delivery the chance to happen before a test counts deliveries."""


class MemoryHarness(Harness):
    durable = False
    raw_bodies = False
    can_refuse = False
    bus: MemoryBus

    def _make_bus(self) -> MemoryBus:
        return MemoryBus(delivery_limit=DELIVERY_LIMIT, retry_delay_s=RETRY_DELAY_S)

    async def _declare(self) -> None:
        return None  # subscribing made the queues

    async def waiting(self, queue: Queue) -> int:
        return self.bus._queues[queue.name].pending.qsize()

    async def dead_letters(self, queue: Queue) -> list[Envelope]:
        return list(self.bus.dead_letters.get(queue.name, []))

    async def dead_bodies(self, queue: Queue) -> list[bytes]:
        raise NotImplementedError("the memory bus carries envelopes, not bytes")

    async def publish_raw(self, type_: str, body: bytes) -> None:
        raise NotImplementedError("the memory bus carries envelopes, not bytes")

    async def refuse(self, type_: str) -> None:
        raise NotImplementedError("the memory bus accepts every message")

    async def settle(self) -> None:
        await self.bus.settle()


class RabbitHarness(Harness):
    """Sees the broker through its own plain aio-pika connection (``admin``)."""

    durable = True
    raw_bodies = True
    can_refuse = True
    bus: RabbitBus

    def __init__(self, url: str, admin: AbstractConnection, channel: AbstractChannel) -> None:
        self.url = url
        self.admin = admin
        self.channel = channel
        self._dead: dict[str, list[bytes]] = {}
        super().__init__()

    @classmethod
    async def open(cls, url: str) -> RabbitHarness:
        admin = await aio_pika.connect(url)
        return cls(url, admin, await admin.channel())

    def _make_bus(self) -> RabbitBus:
        return RabbitBus(self.url, delivery_limit=DELIVERY_LIMIT, retry_delay_s=RETRY_DELAY_S)

    async def _declare(self) -> None:
        await self.bus.declare()

    async def waiting(self, queue: Queue) -> int:
        amqp_queue = await self.channel.declare_queue(queue.name, passive=True)
        return (await amqp_queue.declare()).message_count or 0

    async def dead_letters(self, queue: Queue) -> list[Envelope]:
        return [Envelope.from_json(body) for body in await self.dead_bodies(queue)]

    async def dead_bodies(self, queue: Queue) -> list[bytes]:
        """Everything dead-lettered from ``queue`` so far (read off ``<queue>.dead``)."""
        dead = await self.channel.declare_queue(dead_letter_queue_name(queue.name), passive=True)
        bodies = self._dead.setdefault(queue.name, [])
        while (message := await dead.get(no_ack=True, fail=False)) is not None:
            bodies.append(message.body)
        return list(bodies)

    async def publish_raw(self, type_: str, body: bytes) -> None:
        exchange = await self.channel.declare_exchange(
            exchange_name(self.source), aio_pika.ExchangeType.TOPIC, durable=True
        )
        await exchange.publish(aio_pika.Message(body), self.key(type_), mandatory=False)

    async def refuse(self, type_: str) -> None:
        """Bind a queue that holds nothing and nacks what would overflow it."""
        exchange = await self.channel.declare_exchange(
            exchange_name(self.source), aio_pika.ExchangeType.TOPIC, durable=True
        )
        arguments: dict[str, Any] = {"x-max-length": 0, "x-overflow": "reject-publish"}
        full = await self.channel.declare_queue(exclusive=True, arguments=arguments)
        await full.bind(exchange, routing_key=self.key(type_))

    async def settle(self) -> None:
        await asyncio.sleep(0.2)  # an ack lost or a nack sent by mistake redelivers within this

    async def aclose(self) -> None:
        """Close the buses, then delete this test's queues and exchange on a fresh channel."""
        try:
            await super().aclose()
            channel = await self.admin.channel()  # a failed test may have closed self.channel
            for queue in self.queues:
                await channel.queue_delete(queue.name)
                await channel.queue_delete(dead_letter_queue_name(queue.name))
            await channel.exchange_delete(exchange_name(self.source))
        finally:
            await self.admin.close()


@pytest.fixture(params=["memory", pytest.param("rabbitmq", marks=pytest.mark.rabbitmq)])
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    harness: Harness
    if request.param == "rabbitmq":
        harness = await RabbitHarness.open(request.getfixturevalue("amqp_url"))
    else:
        harness = MemoryHarness()
    try:
        yield harness
    finally:
        await harness.aclose()


@pytest.fixture
async def rabbit_bus(amqp_url: str) -> AsyncIterator[Harness]:
    """RabbitMQ only: for capabilities the in-process bus does not have (durable, refusing)."""
    harness = await RabbitHarness.open(amqp_url)
    try:
        yield harness
    finally:
        await harness.aclose()


async def test_an_event_reaches_every_queue_bound_to_its_key_and_no_other(bus: Harness) -> None:
    first, second, other = Recorder(), Recorder(), Recorder()
    await bus.start(
        bus.queue("first", first, "Happened"),
        bus.queue("second", second, "Happened"),
        bus.queue("other", other, "Other"),
    )
    event, marker = bus.envelope("Happened"), bus.envelope("Other")
    await bus.publish([event])
    await bus.publish([marker])  # queued behind `event` wherever `event` was wrongly routed too

    await eventually(
        lambda: bool(first.seen and second.seen) and marker.id in other.ids(), "both events"
    )
    assert first.ids() == [event.id]
    assert second.ids() == [event.id]
    assert other.ids() == [marker.id]


async def test_two_handlers_each_receive_the_same_event_once(bus: Harness) -> None:
    one, two = Recorder(), Recorder()
    await bus.start(bus.queue("one", one, "Happened"), bus.queue("two", two, "Happened"))
    event, marker = bus.envelope(n=1), bus.envelope(n=2)
    await bus.publish([event])
    await bus.publish([marker])

    await eventually(lambda: marker.id in one.ids() and marker.id in two.ids(), "the marker")
    await bus.settle()
    assert one.ids().count(event.id) == 1
    assert two.ids().count(event.id) == 1
    assert one.seen[one.ids().index(event.id)] == two.seen[two.ids().index(event.id)] == event


async def test_a_handler_that_fails_twice_gets_the_intact_envelope_a_third_time(
    bus: Harness,
) -> None:
    flaky = Recorder(failures=2)
    await bus.start(bus.queue("flaky", flaky, "Happened"))
    data: dict[str, Any] = {
        "sku": "TEA-1",
        "qty": 2,
        "note": "grüner Tee",
        "tags": ["a", "b"],
        "x": {"y": 1.5},
    }
    event = replace(bus.envelope(**data), subject="order-42", traceparent=TRACEPARENT)
    await bus.publish([event])

    await eventually(lambda: len(flaky.seen) >= 3, "the third delivery")
    await bus.settle()
    assert len(flaky.seen) == 3
    assert all(seen == event for seen in flaky.seen)
    last = flaky.seen[-1]
    assert (last.id, last.type, last.source) == (event.id, "Happened", bus.source)
    assert (last.subject, last.data, last.traceparent) == ("order-42", data, TRACEPARENT)


async def test_a_handler_that_always_fails_gets_delivery_limit_tries_then_dead_letters(
    bus: Harness,
) -> None:
    doomed = Recorder(failures=10**9)
    queue = bus.queue("doomed", doomed, "Happened")
    await bus.start(queue)
    event = bus.envelope(n=1)
    await bus.publish([event])

    async def dead_lettered() -> bool:
        return bool(await bus.dead_letters(queue))

    await eventually(dead_lettered, "the dead letter")
    await bus.settle()
    assert len(doomed.seen) == DELIVERY_LIMIT
    assert await bus.dead_letters(queue) == [event]


async def test_publish_returns_once_all_500_are_stored_and_all_are_delivered(
    bus: Harness,
) -> None:
    recorder = Recorder()
    queue = bus.queue("bulk", recorder, "Happened")
    await bus.declare(queue)
    events = [bus.envelope(n=n) for n in range(500)]

    await bus.publish(events)
    assert await bus.waiting(queue) == 500  # confirmed, so already in the queue

    await bus.start(queue)
    expected = {event.id for event in events}
    await eventually(lambda: set(recorder.ids()) == expected, "all 500 deliveries")


async def test_messages_published_without_a_consumer_wait_in_the_durable_queue(
    rabbit_bus: Harness,
) -> None:
    bus = rabbit_bus
    gone, successor = Recorder(), Recorder()
    queue = bus.queue("durable", gone, "Happened")
    await bus.start(queue)
    await bus.bus.close()
    events = [bus.envelope(n=n) for n in range(3)]
    await bus.new_bus().publish(events)

    later = bus.new_bus()
    later.subscribe(replace(queue, deliver=successor))
    await later.start()
    expected = {event.id for event in events}
    await eventually(lambda: set(successor.ids()) == expected, "the queued events")
    assert gone.seen == []


async def test_publish_raises_when_the_broker_refuses_a_message(rabbit_bus: Harness) -> None:
    bus = rabbit_bus
    await bus.refuse("Refused")
    accepted = [bus.envelope(n=n) for n in range(20)]

    with pytest.raises(Exception):  # noqa: B017 - any error makes the outbox relay retry
        await bus.publish([*accepted[:10], bus.envelope("Refused"), *accepted[10:]])
    await bus.publish(accepted)  # the bus still publishes afterwards


async def test_a_body_that_is_not_an_envelope_is_dead_lettered_not_handled(
    rabbit_bus: Harness,
) -> None:
    bus = rabbit_bus
    recorder = Recorder()
    queue = bus.queue("strict", recorder, "Happened")
    await bus.start(queue)
    await bus.publish_raw("Happened", b"not json")
    event = bus.envelope(n=1)
    await bus.publish([event])

    async def dead_lettered() -> bool:
        return bool(await bus.dead_bodies(queue))

    await eventually(dead_lettered, "the dead letter")
    await eventually(lambda: recorder.ids() == [event.id], "the valid event after it")
    assert await bus.dead_bodies(queue) == [b"not json"]
