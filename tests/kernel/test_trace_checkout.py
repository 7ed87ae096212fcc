"""One checkout, one trace: across the edge, calls between contexts, the outbox and the bus.

In the embedded platform with spans recorded into memory, a buyer whose client traces the
checkout (one ``traceparent`` on each request) holds a deal, orders it and pays it at the fake
provider (sync approval). Every span of the edge, ordering, sales, payment and notification that
belongs to the checkout carries that trace id — the consumers continue it from the envelope the
relay published — and so does every JSON log line written for those requests. Without a client
trace, the order request alone (edge → ordering → sales, then OrderPlaced → payment and
notification) is one trace of its own. Not covered: the saga's later steps (arranging
fulfilment) run in the driver's own traces. Last, with an OTLP endpoint set, spans are sent
there by OTLP/HTTP.
"""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import structlog
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from stampede.compose import Platform
from stampede.kernel import tracing
from stampede.kernel.observe import configure_logging
from tests.catalog.support import create, deal, new_business
from tests.identity.support import User, new_user
from tests.ordering.flows import pay, settle
from tests.ordering.support import ADDRESS, ORDERING, share_clock

TRACE = "5b8efff798038103d269b633813fc60c"
CLIENT = {"traceparent": f"00-{TRACE}-eee19b7ec3c1b174-01"}
INVOLVED = {"sales", "ordering", "payment", "notification"}


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracing.export_spans(SimpleSpanProcessor(exporter), "stampede-test")
    yield exporter
    tracing.stop_exporting()


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    """The JSON log lines the processes write, into a buffer."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    buffer = io.StringIO()
    configure_logging("INFO", file=buffer, cache=False)
    yield buffer
    structlog.reset_defaults()
    root.handlers[:], root.level = handlers, level


def traced(exporter: InMemorySpanExporter, trace_id: str) -> list[ReadableSpan]:
    return [
        span
        for span in exporter.get_finished_spans()
        if span.context is not None and format(span.context.trace_id, "032x") == trace_id
    ]


def contexts(found: list[ReadableSpan]) -> set[Any]:
    return {(span.attributes or {}).get("stampede.context") for span in found}


def edge_traces(exporter: InMemorySpanExporter) -> set[str]:
    """The trace ids of the spans the edge made for the requests it served."""
    return {
        format(span.context.trace_id, "032x")
        for span in exporter.get_finished_spans()
        if span.context is not None
        and "gateway" in str((span.attributes or {}).get("stampede.service", ""))
    }


def logged(buffer: io.StringIO, trace_id: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("trace_id") == trace_id]


async def a_deal_and_a_buyer(api: httpx.AsyncClient, platform: Platform) -> tuple[str, User]:
    share_clock(platform)
    seller = await new_business(api, platform)
    listing = await create(api, seller.auth, deal(stock=20, per_user_limit=5))
    buyer = await new_user(api)
    await platform.settle()
    return str(listing["id"]), buyer


async def place(api: httpx.AsyncClient, buyer: User, listing_id: str, **trace: str) -> str:
    """Hold two of the deal and order them: the order id."""
    held = await api.post(
        "/api/sales/holds",
        headers=buyer.auth | trace,
        json={"listing_id": listing_id, "quantity": 2},
    )
    assert held.status_code == 201, held.text
    body = {"hold_id": held.json()["hold_id"], **ADDRESS}
    made = await api.post(f"{ORDERING}/orders", headers=buyer.auth | trace, json=body)
    assert made.status_code == 201, made.text
    return str(made.json()["order_id"])


async def test_a_traced_checkout_is_one_trace_in_spans_and_logs(
    api: httpx.AsyncClient,
    platform: Platform,
    spans: InMemorySpanExporter,
    logs: io.StringIO,
) -> None:
    listing_id, buyer = await a_deal_and_a_buyer(api, platform)
    spans.clear()
    order_id = await place(api, buyer, listing_id, **CLIENT)
    await settle(platform)
    api.headers.update(CLIENT)  # the payment requests too (not the provider's own page)
    await pay(api, platform, buyer, order_id)
    await settle(platform)
    found = traced(spans, TRACE)

    assert contexts(found) >= INVOLVED
    assert edge_traces(spans) == {TRACE}
    consumers = {span.name for span in found if span.kind is SpanKind.CONSUMER}
    assert {
        "payment.order_placed",
        "notification.order_placed",
        "ordering.payment_approved",
        "notification.order_status_changed",
    } <= consumers
    calls = {(span.attributes or {}).get("stampede.target") for span in found}
    assert "sales" in calls  # ordering took the hold at sales
    paths = {line.get("path") for line in logged(logs, TRACE)}
    assert {"/api/sales/holds", f"{ORDERING}/orders", "/api/payment/payments"} <= paths


async def test_one_order_request_is_one_trace_across_four_contexts(
    api: httpx.AsyncClient, platform: Platform, spans: InMemorySpanExporter
) -> None:
    listing_id, buyer = await a_deal_and_a_buyer(api, platform)
    held = await api.post(
        "/api/sales/holds", headers=buyer.auth, json={"listing_id": listing_id, "quantity": 1}
    )
    body = {"hold_id": held.json()["hold_id"], **ADDRESS}
    made = await api.post(f"{ORDERING}/orders", headers=buyer.auth, json=body)
    assert made.status_code == 201, made.text
    await platform.settle()
    trace_id = made.headers["x-request-id"]  # the trace id, when the client sent no id
    found = traced(spans, trace_id)
    assert contexts(found) >= INVOLVED
    assert trace_id in edge_traces(spans)


class Collector(BaseHTTPRequestHandler):
    """An OTLP/HTTP endpoint that keeps what it is sent."""

    received: list[tuple[str, str, int]] = []

    def do_POST(self) -> None:
        size = int(self.headers.get("content-length", 0))
        self.rfile.read(size)
        Collector.received.append((self.path, self.headers.get("content-type", ""), size))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


def test_spans_go_to_the_otlp_endpoint_of_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not tracing.export_from_env("stampede-test") and not tracing.spans_recorded()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
    try:
        assert tracing.export_from_env("stampede-test") and tracing.spans_recorded()
        with tracing.continued("GET identity", {}, SpanKind.SERVER):
            pass
        assert tracing.flush_spans()
    finally:
        tracing.stop_exporting()
        server.shutdown()
        server.server_close()
    [(path, content_type, size)] = Collector.received
    assert path == "/v1/traces" and content_type == "application/x-protobuf" and size > 0
