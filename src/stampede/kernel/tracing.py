"""OpenTelemetry context carried over HTTP headers and message envelopes (W3C traceparent).

Until spans are exported (:func:`record_spans`, when an exporter is configured) a request or
message runs under a non-recording span: it continues the caller's trace id (or starts a new
one) with a fresh span id, so logs, calls and outbox events still carry the trace, at a fraction
of the cost of building SDK spans that nobody collects.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

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


def record_spans(enabled: bool = True) -> None:
    """Build real SDK spans (for an exporter) instead of id-only ones."""
    global _recording
    _recording = enabled


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
    parent = propagate.extract(dict(carrier))
    if not _recording:
        token = otel_context.attach(trace.set_span_in_context(_id_only(parent), parent))
        try:
            yield trace_id()
        finally:
            otel_context.detach(token)
        return
    token = otel_context.attach(parent)
    try:
        with tracer.start_as_current_span(name, kind=kind):
            yield trace_id()
    finally:
        otel_context.detach(token)


def _id_only(parent: otel_context.Context) -> NonRecordingSpan:
    """A child of the span in ``parent`` (or a new trace) that records nothing."""
    above = trace.get_current_span(parent).get_span_context()
    trace_id = above.trace_id if above.is_valid else _ids.generate_trace_id()
    flags = above.trace_flags if above.is_valid else trace.TraceFlags(trace.TraceFlags.SAMPLED)
    return NonRecordingSpan(SpanContext(trace_id, _ids.generate_span_id(), False, flags))
