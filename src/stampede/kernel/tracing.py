"""OpenTelemetry context carried over HTTP headers and message envelopes (W3C traceparent).

Until spans are exported (:func:`record_spans`, when an exporter is configured) a request or
message runs under a non-recording span: it continues the caller's trace id (or starts a new
one) with a fresh span id, so logs, calls and outbox events still carry the trace, at a fraction
of the cost of building SDK spans that nobody collects.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import Token
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import NonRecordingSpan, SpanContext

_provider = TracerProvider()
trace.set_tracer_provider(_provider)
tracer = trace.get_tracer("stampede")
_ids = RandomIdGenerator()
_recording = False
_EMPTY = otel_context.Context()
_CARRIES = frozenset(("traceparent", "baggage"))
_SAMPLED = trace.TraceFlags(trace.TraceFlags.SAMPLED)
# the context token, and the SDK span's manager when spans are recorded
Ending = tuple[Token[otel_context.Context], Any]


def record_spans(enabled: bool = True) -> None:
    """Build real SDK spans (for an exporter) instead of id-only ones."""
    global _recording
    _recording = enabled


def spans_recorded() -> bool:
    return _recording


def new_trace_id() -> str:
    return f"{random.getrandbits(128) or 1:032x}"


def current_traceparent() -> str:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent", "")


def inject(headers: dict[str, str]) -> None:
    propagate.inject(headers)


def trace_id() -> str:
    span_context = trace.get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else ""


@contextmanager
def continued(name: str, carrier: Mapping[str, str], kind: trace.SpanKind) -> Iterator[str]:
    """Run the block in a span that continues the trace found in ``carrier``; yield its trace id."""
    ending, trace_id_ = begin(name, carrier, kind)
    try:
        yield trace_id_
    except BaseException as error:
        end(ending, error)
        raise
    end(ending)


def begin(name: str, carrier: Mapping[str, str], kind: trace.SpanKind) -> tuple[Ending, str]:
    """Enter a span continuing ``carrier``'s trace: what :func:`end` needs, and the trace id.
    The pair is :func:`continued` without a generator, for the hottest requests."""
    if not _recording:
        parent = propagate.extract(carrier) if _CARRIES.intersection(carrier) else _EMPTY
        span = _id_only(parent)
        token = otel_context.attach(trace.set_span_in_context(span, parent))
        return (token, None), format(span.get_span_context().trace_id, "032x")
    token = otel_context.attach(propagate.extract(dict(carrier)))
    manager = tracer.start_as_current_span(name, kind=kind)
    manager.__enter__()
    return (token, manager), trace_id()


def end(ending: Ending, error: BaseException | None = None) -> None:
    """Leave the span :func:`begin` entered; ``error`` is what ended the work, if anything."""
    token, manager = ending
    try:
        if manager is not None:
            manager.__exit__(type(error) if error else None, error, error and error.__traceback__)
    finally:
        otel_context.detach(token)


def _id_only(parent: otel_context.Context) -> NonRecordingSpan:
    """A child of the span in ``parent`` (or a new trace) that records nothing."""
    above = trace.get_current_span(parent).get_span_context()
    if not above.is_valid:
        return NonRecordingSpan(
            SpanContext(_ids.generate_trace_id(), _ids.generate_span_id(), False, _SAMPLED)
        )
    return NonRecordingSpan(
        SpanContext(above.trace_id, _ids.generate_span_id(), False, above.trace_flags)
    )
