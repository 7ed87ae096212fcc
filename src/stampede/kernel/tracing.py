"""OpenTelemetry context carried over HTTP headers and message envelopes (W3C traceparent).

Until spans are exported a request or message runs under a non-recording span: it continues the
caller's trace id (or starts a new one) with a fresh span id, so logs, calls and outbox events
still carry the trace, at a fraction of the cost of building SDK spans that nobody collects.

With ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) set,
:func:`export_from_env` records real spans and sends them in batches by OTLP/HTTP: a server span
per request (edge and in-process calls), a client span per call to another context, a consumer
span per message handled — each naming its context in ``stampede.context``. The standard
``OTEL_*`` variables (service name, sampler, headers, batch sizes) apply.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import Token
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import NonRecordingSpan, SpanContext, Status, StatusCode

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
Attributes = Mapping[str, str | int | bool]
OTLP_ENDPOINTS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")


def record_spans(enabled: bool = True) -> None:
    """Build real SDK spans (for an exporter) instead of id-only ones."""
    global _recording
    _recording = enabled


def export_spans(processor: SpanProcessor, service: str = "stampede") -> None:
    """Record SDK spans from now on and hand each finished one to ``processor``; spans name
    ``service`` as their service (``OTEL_SERVICE_NAME`` wins when set)."""
    global _provider, tracer
    name = os.environ.get("OTEL_SERVICE_NAME") or service
    _provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
    _provider.add_span_processor(processor)
    tracer = _provider.get_tracer("stampede")
    record_spans(True)


def export_from_env(service: str) -> bool:
    """With an OTLP endpoint in the environment, export spans to it by OTLP/HTTP in batches
    (a collector that is away costs dropped spans, never a failed request); whether it does."""
    if not any(os.environ.get(name) for name in OTLP_ENDPOINTS):
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    export_spans(BatchSpanProcessor(OTLPSpanExporter()), service)
    return True


def flush_spans(timeout_ms: int = 5000) -> bool:
    """Export every finished span now; whether that was done in time."""
    return bool(_provider.force_flush(timeout_ms))


def stop_exporting() -> None:
    """Export what is left and stop exporting; spans are id-only again (the exit does this)."""
    record_spans(False)
    _provider.shutdown()


def spans_recorded() -> bool:
    return _recording


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
def continued(
    name: str,
    carrier: Mapping[str, str],
    kind: trace.SpanKind,
    attributes: Attributes | None = None,
) -> Iterator[str]:
    """Run the block in a span that continues the trace found in ``carrier``; yield its trace id."""
    ending, trace_id_ = begin(name, carrier, kind, attributes)
    try:
        yield trace_id_
    except BaseException as error:
        end(ending, error)
        raise
    end(ending)


@contextmanager
def child(name: str, kind: trace.SpanKind, attributes: Attributes | None = None) -> Iterator[None]:
    """Run the block in a span under the current one when spans are recorded; otherwise just
    run it (the current id-only span already carries the trace)."""
    if not _recording:
        yield
        return
    with tracer.start_as_current_span(name, kind=kind, attributes=attributes):
        yield


def http_status(status: int) -> None:
    """Note an answer's status on the current recorded span (a 5xx marks it failed)."""
    if not _recording:
        return
    span = trace.get_current_span()
    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR))


def begin(
    name: str,
    carrier: Mapping[str, str],
    kind: trace.SpanKind,
    attributes: Attributes | None = None,
) -> tuple[Ending, str]:
    """Enter a span continuing ``carrier``'s trace: what :func:`end` needs, and the trace id.
    The pair is :func:`continued` without a generator, for the hottest requests."""
    if not _recording:
        parent = propagate.extract(carrier) if _CARRIES.intersection(carrier) else _EMPTY
        span = _id_only(parent)
        token = otel_context.attach(trace.set_span_in_context(span, parent))
        return (token, None), format(span.get_span_context().trace_id, "032x")
    token = otel_context.attach(propagate.extract(dict(carrier)))
    manager = tracer.start_as_current_span(name, kind=kind, attributes=attributes)
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
