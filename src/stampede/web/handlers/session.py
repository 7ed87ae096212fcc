"""One visit: the visitor's language, tokens and CSRF token, and their calls to the API.

Tokens live in HttpOnly cookies (``Secure`` behind TLS, ``SameSite=Lax``). An API call answered
401 is retried once after exchanging the refresh token for a new pair; if that fails too the
visit raises :class:`NeedLogin`, which sends the visitor to the login page and back afterwards.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from stampede.web.domain import csrf
from stampede.web.domain.claims import Visitor, read_claims
from stampede.web.domain.i18n import translate
from stampede.web.store import ApiProblem, Gateway

ACCESS, REFRESH, LANG, NAME = "st_access", "st_refresh", "st_lang", "st_name"
MONTH_S = 30 * 24 * 3600
YEAR_S = 365 * 24 * 3600
IN_FLIGHT_PAUSES_S = (0.1, 0.2, 0.4, 0.8, 1.6)
SESSION = -1  # a cookie's max_age: until the browser closes (0 deletes it)


class NeedLogin(Exception):
    """The API wants a logged-in visitor (or one with a valid session)."""


class Forbidden(Exception):
    """The visitor is logged in but lacks the role a page needs."""


@dataclass
class Cookie:
    name: str
    value: str
    max_age: int  # seconds; 0 deletes, SESSION lasts until the browser closes


@dataclass
class Visit:
    gateway: Gateway
    lang: str
    client_ip: str
    access: str | None
    refresh: str | None
    csrf_token: str
    name: str = ""
    cookies: list[Cookie] = field(default_factory=list)

    @property
    def visitor(self) -> Visitor | None:
        return read_claims(self.access)

    def t(self, key: str, **values: object) -> str:
        return translate(self.lang, key, **values)

    def require(self, role: str | None = None) -> Visitor:
        """The logged-in visitor (with ``role``, when given); the session was renewed before
        the page began (:meth:`freshen`), so no token means no session."""
        visitor = self.visitor
        if visitor is None:
            raise NeedLogin()
        if role and not visitor.has(role):
            raise Forbidden()
        return visitor

    async def get(self, path: str, **options: Any) -> Any:
        return await self.api("GET", path, **options)

    async def post(self, path: str, body: Any = None, **options: Any) -> Any:
        return await self.api("POST", path, json=body, **options)

    async def put(self, path: str, body: Any = None, **options: Any) -> Any:
        return await self.api("PUT", path, json=body, **options)

    async def patch(self, path: str, body: Any = None, **options: Any) -> Any:
        return await self.api("PATCH", path, json=body, **options)

    async def delete(self, path: str, **options: Any) -> Any:
        return await self.api("DELETE", path, **options)

    async def api(self, method: str, path: str, **options: Any) -> Any:
        """The JSON answer (None when empty); :class:`ApiProblem` for 4xx/5xx. A request with an
        Idempotency-Key that meets its twin still running (a double submit: 409 ``in-flight``)
        waits and asks again, so both get the first one's answer."""
        response = await self.raw(method, path, **options)
        for pause in IN_FLIGHT_PAUSES_S:
            if not _in_flight(response, options):
                break
            await asyncio.sleep(pause)
            response = await self.raw(method, path, **options)
        if response.status_code >= 400:
            raise ApiProblem.of(response)
        return response.json() if response.content else None

    async def freshen(self) -> None:
        """Renew the session before the page is drawn when the access token is gone, unreadable
        or about to expire but a refresh token remains, so the page shows the visitor logged
        in; a refused refresh ends the session."""
        visitor = self.visitor
        stale = visitor is None or visitor.expired()
        if self.refresh and stale and not await self._renew():
            self.forget()

    async def public(self, path: str, body: Any) -> Any:
        """A POST that needs no session (log in, sign up, verify): its 401 is the answer, not
        a reason to renew the session."""
        response = await self.gateway.call(
            "POST", path, token=None, lang=self.lang, client_ip=self.client_ip, json=body
        )
        if response.status_code >= 400:
            raise ApiProblem.of(response)
        return response.json() if response.content else None

    async def raw(self, method: str, path: str, **options: Any) -> httpx.Response:
        """The answer as it came, after one refresh-and-retry on 401."""
        response = await self._send(method, path, options)
        if response.status_code == 401 and self.refresh and await self._renew():
            response = await self._send(method, path, options)
        if response.status_code == 401:
            self.forget()
            raise NeedLogin()
        return response

    async def _send(self, method: str, path: str, options: dict[str, Any]) -> httpx.Response:
        return await self.gateway.call(
            method,
            path,
            token=self.access,
            lang=self.lang,
            client_ip=self.client_ip,
            **dict(options),
        )

    async def _renew(self) -> bool:
        body = {"refresh_token": self.refresh}
        try:
            pair = await self.gateway.renewed(
                str(self.refresh), lambda: self.public("/api/identity/refresh", body)
            )
        except ApiProblem as problem:
            if problem.status >= 500:
                raise
            self.access = self.refresh = None
            return False
        self.keep(pair)
        return True

    def keep(self, pair: dict[str, Any]) -> None:
        """Remember a new token pair (login or refresh) for this visit and the browser."""
        self.access, self.refresh = pair["access_token"], pair["refresh_token"]
        self.cookies.append(Cookie(ACCESS, str(self.access), int(pair.get("expires_in", 900))))
        self.cookies.append(Cookie(REFRESH, str(self.refresh), MONTH_S))

    def remember_name(self, name: str) -> None:
        self.name = name
        self.cookies.append(Cookie(NAME, quote(name), MONTH_S))  # cookies are latin-1

    def forget(self) -> None:
        self.access = self.refresh = None
        self.name = ""
        for name in (ACCESS, REFRESH, NAME):
            self.cookies.append(Cookie(name, "", 0))

    def choose_language(self, lang: str) -> None:
        self.lang = lang
        self.cookies.append(Cookie(LANG, lang, YEAR_S))


def _in_flight(response: httpx.Response, options: dict[str, Any]) -> bool:
    keyed = any(name.lower() == "idempotency-key" for name in options.get("headers") or {})
    return keyed and response.status_code == 409 and ApiProblem.of(response).slug == "in-flight"


def csrf_cookie_needed(existing: str | None) -> tuple[str, bool]:
    """The visit's CSRF token, and whether the browser must be given it."""
    return (existing, False) if existing else (csrf.new_token(), True)
