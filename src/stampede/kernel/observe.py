"""Request ids, JSON logs, traces and request metrics for every HTTP entry point.

The middleware runs once per request even when the gateway hands the same request to a
context in this process (it marks the scope). ``X-Request-Id`` is kept when it looks sane and is
the trace id otherwise; it is returned, logged and passed on to calls between contexts.
"""

from __future__ import annotations

import itertools
import logging
import random
import re
import sys
import time
from collections.abc import Awaitable
from typing import Any, TextIO

import structlog
from opentelemetry.trace import SpanKind
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from structlog.typing import EventDict

from stampede.kernel.calls import request_id
from stampede.kernel.tally import Tally, Timings
from stampede.kernel.tracing import (
    Attributes,
    begin,
    end,
    http_status,
    spans_recorded,
    trace_id,
)

REQUESTS = Tally(
    "stampede_http_requests",
    "HTTP requests served",
    ["service", "area", "route", "method", "status"],
)
LATENCY = Timings(
    "stampede_http_request_duration_seconds", "HTTP request latency", ["service", "area", "route"]
)
LANE = "lane"  # the route label of a request an express lane answered
OTHER = "other"  # … and of one no route of this process answered (a 404, a forwarded call)
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
OBSERVED = "stampede.observed"
SLOW_S = 1.0  # a request this slow is always logged
log = structlog.get_logger()
Reply = tuple[int, bytes, list[tuple[bytes, bytes]]]  # status, body, headers


def configure_logging(level: str = "INFO", file: TextIO | None = None, cache: bool = True) -> None:
    """JSON lines with timestamp, level, request id and trace id, on stdout unless ``file`` is
    given (loggers are fixed at first use unless ``cache`` is False)."""
    out = file or sys.stdout
    logging.basicConfig(format="%(message)s", stream=out, level=level.upper(), force=True)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            _request_ids,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=cache,
    )
    for noisy in ("alembic", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


CARRIED = {b"x-request-id", b"traceparent", b"tracestate"}


_REQUEST_IDS = itertools.count(1)
_PROCESS_ID = f"{random.getrandbits(64):016x}"


def new_request_id() -> str:
    """An id for a request that brought none and is not traced: 32 hex digits, unique in
    this process (a random per-process half and a counter)."""
    return f"{_PROCESS_ID}{next(_REQUEST_IDS):016x}"


def _carried(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """The request id and trace headers, the only ones this middleware reads."""
    return {k.decode(): v.decode("latin-1") for k, v in headers if k in CARRIED}


def route_of(scope: Scope, default: str = OTHER) -> str:
    """The template of the route that answered (``/api/community/posts/{post_id}``): a label
    with one value per route, not per id."""
    return str(getattr(scope.get("route"), "path", "") or default)


def area_of(path: str) -> str:
    """``/api/identity/me`` → ``identity``: a low-cardinality label for metrics."""
    if path.startswith("/api/"):
        area = path[5:].partition("/")[0]
        if area:
            return area
    parts = path.strip("/").split("/")
    return parts[1] if len(parts) > 1 and parts[0] == "api" else (parts[0] or "root")


def context_of(path: str) -> str:
    """The context a request is for: its area, and ``sales`` for ``/internal/sales/...``."""
    parts = path.strip("/").split("/")
    return parts[1] if len(parts) > 1 and parts[0] == "internal" else area_of(path)


def span_attributes(scope: Scope, service: str) -> Attributes:
    """What a recorded server span says about its request."""
    return {
        "http.request.method": scope["method"],
        "url.path": scope["path"],
        "stampede.service": service,
        "stampede.context": context_of(scope["path"]),
    }


def _request_ids(_: Any, __: str, event: EventDict) -> EventDict:
    """Add the request id and trace id of the work being logged (read when a line is written,
    so serving a request binds nothing)."""
    rid, tid = request_id.get(), trace_id()
    if rid:
        event.setdefault("request_id", rid)
    if tid:
        event.setdefault("trace_id", tid)
    return event


class Observe:
    """Every request is counted and timed; an access-log line is written for every 5xx, every
    request slower than :data:`SLOW_S`, and a ``log_sample`` share of the rest (1.0: all)."""

    def __init__(self, app: ASGIApp, service: str, log_sample: float = 1.0) -> None:
        self.app, self.service, self.log_sample = app, service, log_sample

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get(OBSERVED):
            await self.app(scope, receive, send)
            return
        scope[OBSERVED] = True
        carried = _carried(scope["headers"])
        name = f"{scope['method']} {area_of(scope['path'])}"
        spanned = span_attributes(scope, self.service) if spans_recorded() else None
        ending, tid = begin(name, carried, SpanKind.SERVER, spanned)
        rid = carried.get("x-request-id", "")
        try:
            await self._serve(scope, receive, send, rid if _SANE_ID.match(rid) else tid)
        except BaseException as error:
            end(ending, error)
            raise
        end(ending)

    async def _serve(self, scope: Scope, receive: Receive, send: Send, rid: str) -> None:
        token = request_id.set(rid)
        status, started = 500, time.perf_counter()
        tag = (b"x-request-id", rid.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), tag]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started, route_of(scope))
            request_id.reset(token)

    async def watch(self, scope: Scope, answering: Awaitable[Reply]) -> Reply:
        """Observe a request answered ahead of the app (an express lane) as :meth:`__call__`
        would — counted, timed, sampled into the log, ``X-Request-Id`` returned — but enter a
        trace only when the request brings one or spans are recorded: a lane's events are
        written in batches shared by many requests, so they carry no one request's trace."""
        carried = _carried(scope["headers"])
        ending, tid = None, ""
        if "traceparent" in carried or spans_recorded():
            name, spanned = f"{scope['method']} {area_of(scope['path'])}", None
            if spans_recorded():
                spanned = span_attributes(scope, self.service)
            ending, tid = begin(name, carried, SpanKind.SERVER, spanned)
        rid = carried.get("x-request-id", "")
        if not (rid and _SANE_ID.match(rid)):
            rid = tid or new_request_id()
        token = request_id.set(rid)
        status, started = 500, time.perf_counter()
        try:
            status, body, headers = await answering
            headers.append((b"x-request-id", rid.encode()))
            return status, body, headers
        finally:
            self._record(scope, status, time.perf_counter() - started, LANE)
            request_id.reset(token)
            if ending is not None:
                end(ending)

    def _record(self, scope: Scope, status: int, elapsed: float, route: str) -> None:
        http_status(status)
        area = area_of(scope["path"])
        REQUESTS.add((self.service, area, route, scope["method"], status))
        LATENCY.observe((self.service, area, route), elapsed)
        if status < 500 and elapsed < SLOW_S and random.random() >= self.log_sample:
            return
        log.info(
            "request",
            method=scope["method"],
            path=scope["path"],
            status=status,
            ms=round(elapsed * 1000, 2),
        )
