"""The web context's only source of data: the public API, through the gateway.

In the gateway's process the API is called in-process (the entry app through
``httpx.ASGITransport``, with the visitor's address as the request's client, so rate limits count
the visitor and not the web server); elsewhere over HTTP at ``GATEWAY_URL``. Every call carries
the visitor's access token and language. Answers of 400 and above become :class:`ApiProblem`.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

CLIENT_HEADER = b"x-stampede-web-client"
TIMEOUT_S = 10.0
RENEWAL_KEPT_S = 30.0


@dataclass
class ApiProblem(Exception):
    """A problem+json answer (or any failed answer) of the API."""

    status: int
    title: str = ""
    detail: str = ""
    slug: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, response: httpx.Response) -> ApiProblem:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        slug = str(body.get("type", "")).rstrip("/").rsplit("/", 1)[-1]
        errors = body.get("errors") if isinstance(body.get("errors"), list) else []
        return cls(
            response.status_code,
            str(body.get("title", "")),
            str(body.get("detail", "")),
            slug,
            list(errors or []),
        )


def _as_visitor(entry: Callable[[], ASGIApp]) -> ASGIApp:
    """The entry app, seeing the visitor's address (from a header only this process can set,
    since this wrapper is reachable only through the in-process transport) as the client."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            client = next((v.decode() for k, v in scope["headers"] if k == CLIENT_HEADER), "")
            headers = [(k, v) for k, v in scope["headers"] if k != CLIENT_HEADER]
            scope = {**scope, "headers": headers, "client": (client or "127.0.0.1", 0)}
        await entry()(scope, receive, send)

    return app


class Gateway:
    """One pooled client to the public API for all visitors of this process."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self._renewals: dict[str, tuple[float, asyncio.Future[Any]]] = {}

    async def renewed(self, refresh_token: str, renew: Callable[[], Awaitable[Any]]) -> Any:
        """The pair ``renew`` gets for ``refresh_token``, asked once: requests of one browser
        that arrive together with the same spent token (a page and its images) share the
        answer for :data:`RENEWAL_KEPT_S`, instead of presenting a used token, which identity
        takes for a leak and answers by ending the session."""
        now = time.monotonic()
        self._renewals = {k: v for k, v in self._renewals.items() if v[0] > now}
        key = hashlib.sha256(refresh_token.encode()).hexdigest()
        if key not in self._renewals:
            task = asyncio.ensure_future(renew())
            self._renewals[key] = (now + RENEWAL_KEPT_S, task)
        shared = self._renewals[key][1]
        try:
            return await asyncio.shield(shared)
        except ApiProblem as problem:
            if problem.status >= 500:  # a refusal stands; a failure may be retried at once
                self._renewals.pop(key, None)
            raise

    @classmethod
    def in_process(cls, entry: Callable[[], ASGIApp]) -> Gateway:
        transport = httpx.ASGITransport(app=_as_visitor(entry))
        return cls(httpx.AsyncClient(transport=transport, base_url="http://stampede"))

    @classmethod
    def over_http(cls, url: str) -> Gateway:
        return cls(httpx.AsyncClient(base_url=url, timeout=TIMEOUT_S))

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None,
        lang: str,
        client_ip: str,
        **options: Any,
    ) -> httpx.Response:
        headers = {"accept-language": lang, CLIENT_HEADER.decode(): client_ip}
        headers.update(options.pop("headers", {}) or {})
        if token:
            headers["authorization"] = f"Bearer {token}"
        return await self.client.request(method, path, headers=headers, **options)

    async def close(self) -> None:
        await self.client.aclose()
