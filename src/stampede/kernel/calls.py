"""Synchronous calls from one bounded context to another, over httpx.

A context hosted in this process is mounted with :meth:`ServiceCalls.mount_local` and called
through ``httpx.ASGITransport`` (base URL ``http://<context>``); any other context is called over
the network at ``settings.service_url(context)`` (``<CONTEXT>_URL``), through an httpx client on
an aiohttp transport (``kernel/http_transport.py``: several times less CPU per call). Either
way each call:

* carries ``traceparent`` (the active span, if any) and ``X-Request-Id`` (the :data:`request_id`
  context variable, when set); headers the caller passes explicitly win; when spans are
  recorded the call is a client span, and a local context answers it in a server span;
* has one deadline per attempt, ``settings.call_timeout_s``, enforced by httpx for the network
  and by ``asyncio.timeout`` for both (the ASGI transport has no timeouts of its own);
* is retried with tenacity, up to :data:`ATTEMPTS` attempts with exponential backoff and jitter
  starting near :data:`BACKOFF_S`:

  - a connection that could not be made (connect error or timeout, pool timeout) is retried
    for any method, since the request never left this process;
  - a request sent without an answer (read/write timeout, dropped connection) and a
    502/503/504 answer are retried only for idempotent methods (GET, HEAD, PUT, DELETE,
    OPTIONS): retrying a POST or PATCH could apply it twice;

* runs inside a per-context circuit breaker (purgatory, in memory, per ServiceCalls): after
  :data:`BREAKER_THRESHOLD` consecutive failed calls (a call fails when its last attempt
  failed) the breaker opens and calls fail fast for :data:`BREAKER_TTL_S` seconds, then one
  trial call decides whether it closes again.

Failure mode: when the breaker is open, or a call failed for good (retries exhausted, or a
failure that must not be retried such as a 503 answer to a POST), :meth:`ServiceCalls.request`
raises :class:`~stampede.kernel.errors.Unavailable` (503, slug ``dependency-unavailable``). Every
other answer, 4xx and 500 included, is returned as-is and counts as a success for the breaker;
so is, for a call that ``relay``s a client's request, a 502/503/504 the service wrote itself as a
problem document. Exceptions from a local app come back as 500 answers, as over the network.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from typing import Any

import httpx
from opentelemetry.trace import SpanKind
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState
from starlette.types import ASGIApp, Receive, Scope, Send
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from stampede.kernel import tracing
from stampede.kernel.errors import Unavailable
from stampede.kernel.http_transport import AiohttpTransport
from stampede.kernel.settings import Settings

request_id: ContextVar[str] = ContextVar("request_id", default="")
"""The id of the request being served; sent on as ``X-Request-Id`` when not empty."""

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
GATEWAY_FAILURES = frozenset({502, 503, 504})
ATTEMPTS = 3
BACKOFF_S = 0.05
BACKOFF_MAX_S = 1.0
BREAKER_THRESHOLD = 5
BREAKER_TTL_S = 10.0

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_NO_ANSWER = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError, TimeoutError)


class _Failure(Exception):
    """One attempt failed in a way that counts against the dependency."""

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.retryable = retryable


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, _Failure) and exc.retryable


def _outgoing_headers(given: Any) -> httpx.Headers:
    headers = httpx.Headers(given)
    carrier: dict[str, str] = {}
    tracing.inject(carrier)
    if rid := request_id.get():
        carrier["X-Request-Id"] = rid
    for name, value in carrier.items():
        headers.setdefault(name, value)
    return headers


def _is_problem(response: httpx.Response) -> bool:
    """Whether the service itself wrote the answer (RFC 9457), not a proxy in between."""
    kind: str = response.headers.get("content-type", "")
    return kind.startswith("application/problem+json")


def _unavailable(context: str) -> Unavailable:
    return Unavailable(f"{context} is unavailable", slug="dependency-unavailable")


def _served(context: str, app: ASGIApp) -> ASGIApp:
    """``app`` answering calls in process, in a server span of ``context`` when spans are
    recorded (over the network the callee's own request observation makes that span)."""

    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not tracing.spans_recorded():
            await app(scope, receive, send)
            return
        name = f"{scope['method']} {context}"
        attributes = {"stampede.context": context, "url.path": scope["path"]}
        with tracing.child(name, SpanKind.SERVER, attributes):
            await app(scope, receive, send)

    return serve


class ServiceCalls:
    """httpx clients, retries and circuit breakers for calls to other contexts."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._apps: dict[str, ASGIApp] = {}
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._breakers = AsyncCircuitBreakerFactory(
            default_threshold=BREAKER_THRESHOLD, default_ttl=BREAKER_TTL_S
        )

    def mount_local(self, context: str, app: ASGIApp) -> None:
        """Serve calls to ``context`` in process; must happen before its first call."""
        if context in self._clients:
            raise RuntimeError(f"{context} was already called over the network")
        self._apps[context] = _served(context, app)

    def client(self, context: str) -> httpx.AsyncClient:
        """The one client for ``context``, created on first use."""
        client = self._clients.get(context)
        if client is None:
            client = self._clients[context] = self._new_client(context)
        return client

    def _new_client(self, context: str) -> httpx.AsyncClient:
        timeout = httpx.Timeout(self._settings.call_timeout_s)
        app = self._apps.get(context)
        if app is None:
            base = self._settings.service_url(context)
            return httpx.AsyncClient(base_url=base, timeout=timeout, transport=AiohttpTransport())
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        return httpx.AsyncClient(transport=transport, base_url=f"http://{context}", timeout=timeout)

    async def request(
        self, context: str, method: str, path: str, *, relay: bool = False, **kwargs: Any
    ) -> httpx.Response:
        """Call ``context``; raises :class:`Unavailable` when it cannot answer (see module doc).
        With ``relay`` (the gateway passing a client's request on), a 502/503/504 that the
        service itself answered with a problem document (``sale-starting``, ``store-unavailable``
        with its ``Retry-After``) is returned as it is, neither retried nor counted against
        the breaker: the service is up and has told the client when to come back, and one
        sale's moment must not shut every call to the service out."""
        method = method.upper()
        attributes = {"stampede.target": context, "http.request.method": method, "url.path": path}
        with tracing.child(f"{method} {context}", SpanKind.CLIENT, attributes):
            return await self._call(context, method, path, kwargs, relay)

    async def _call(
        self, context: str, method: str, path: str, kwargs: dict[str, Any], relay: bool
    ) -> httpx.Response:
        kwargs["headers"] = _outgoing_headers(kwargs.get("headers"))
        breaker = await self._breakers.get_breaker(context)
        try:
            async with breaker:
                return await self._with_retries(context, method, path, kwargs, relay)
        except OpenedState as exc:
            # purgatory raises the same exception object each time; drop the traceback it
            # would otherwise keep growing (and the frames it holds) while the breaker is open.
            exc.__traceback__ = None
            raise _unavailable(context) from None
        except _Failure as exc:
            raise _unavailable(context) from exc

    async def _with_retries(
        self, context: str, method: str, path: str, kwargs: dict[str, Any], relay: bool
    ) -> httpx.Response:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(ATTEMPTS),
            wait=wait_exponential_jitter(multiplier=BACKOFF_S, max=BACKOFF_MAX_S, jitter=BACKOFF_S),
            retry=retry_if_exception(_is_retryable),
            reraise=True,
        )
        response: httpx.Response = await retrying(
            self._attempt, context, method, path, kwargs, relay
        )
        return response

    async def _attempt(
        self, context: str, method: str, path: str, kwargs: dict[str, Any], relay: bool
    ) -> httpx.Response:
        idempotent = method in IDEMPOTENT
        try:
            async with asyncio.timeout(self._settings.call_timeout_s):
                response = await self.client(context).request(method, path, **kwargs)
        except _NOT_SENT as exc:
            raise _Failure(f"{context}: could not connect ({exc!r})", retryable=True) from exc
        except _NO_ANSWER as exc:
            raise _Failure(f"{context}: no answer ({exc!r})", retryable=idempotent) from exc
        if response.status_code in GATEWAY_FAILURES and not (relay and _is_problem(response)):
            reason = f"{context}: answered {response.status_code}"
            raise _Failure(reason, retryable=idempotent)
        return response

    async def get_json(self, context: str, path: str) -> Any:
        """GET ``path`` and decode its JSON; raises ``httpx.HTTPStatusError`` on 4xx/5xx."""
        response = await self.request(context, "GET", path)
        response.raise_for_status()
        return response.json()

    async def close(self) -> None:
        """Close every client; the next call creates a fresh one."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()
