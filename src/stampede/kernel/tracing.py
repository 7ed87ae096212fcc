"""OpenTelemetry context carried over HTTP headers and message envelopes (W3C traceparent)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.trace import TracerProvider

_provider = TracerProvider()
trace.set_tracer_provider(_provider)
tracer = trace.get_tracer("stampede")


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
    token = otel_context.attach(propagate.extract(dict(carrier)))
    try:
        with tracer.start_as_current_span(name, kind=kind):
            yield trace_id()
    finally:
        otel_context.detach(token)
