"""Turns a module's subscriptions into bus queues that consume through the inbox, each message
handled in a consumer span that continues the trace of the request that emitted it."""

from __future__ import annotations

from opentelemetry.trace import SpanKind

from stampede.kernel.bus import Queue
from stampede.kernel.inbox import claim
from stampede.kernel.messages import Envelope, Event
from stampede.kernel.module import Module, Runtime, Subscription
from stampede.kernel.tracing import continued


def queues_for(module: Module, runtime: Runtime) -> list[Queue]:
    return [_queue(module, sub, runtime) for sub in module.subscriptions]


def _queue(module: Module, sub: Subscription, runtime: Runtime) -> Queue:
    consumer = f"{module.name}.{sub.name}"

    async def deliver(envelope: Envelope) -> None:
        event: Event = envelope.open(sub.event)
        carrier = {"traceparent": envelope.traceparent}
        attributes = {
            "stampede.context": module.name,
            "messaging.destination.name": consumer,
            "messaging.message.id": envelope.id,
        }
        with continued(consumer, carrier, SpanKind.CONSUMER, attributes):
            uow = module.unit_of_work(runtime)
            uow.message_id = envelope.id
            if not sub.exactly_once:
                await sub.handler(event, uow)
                return
            async with uow:
                if await claim(uow.session, consumer, envelope.id):
                    await sub.handler(event, uow)
                    await uow.commit()

    return Queue(consumer, (sub.event.wire_name(),), deliver)
