"""What every page route uses: the visit of a request, rendering, redirects, and forms checked
for CSRF with API problems turned into readable messages on the form they came from."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, unquote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from stampede.web.domain import csrf
from stampede.web.domain.i18n import pick_language
from stampede.web.handlers.session import (
    ACCESS,
    LANG,
    NAME,
    REFRESH,
    SESSION,
    Cookie,
    Visit,
    csrf_cookie_needed,
)
from stampede.web.store import ApiProblem, Gateway
from stampede.web.views import render

HTMX = "hx-request"


class CsrfRefused(Exception):
    """A form or htmx request without the visit's CSRF token."""


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def visit_of(request: Request) -> Visit:
    """The request's visit; a new CSRF token is given to a browser that has none."""
    cookies = request.cookies
    token, fresh = csrf_cookie_needed(cookies.get(csrf.COOKIE))
    gateway: Gateway = request.app.state.gateway
    visit = Visit(
        gateway=gateway,
        lang=pick_language(cookies.get(LANG), request.headers.get("accept-language", "")),
        client_ip=client_ip(request),
        access=cookies.get(ACCESS),
        refresh=cookies.get(REFRESH),
        csrf_token=token,
        name=unquote(cookies.get(NAME, "")),
    )
    if fresh:
        visit.cookies.append(Cookie(csrf.COOKIE, token, SESSION))
    request.state.visit = visit
    await visit.freshen()
    return visit


VisitDep = Annotated[Visit, Depends(visit_of)]


def finish(request: Request, visit: Visit, response: Response) -> Response:
    """Hand the browser the cookies this visit changed (HttpOnly; Secure behind TLS)."""
    response.raw_headers.extend(pending_cookies(visit, request.app.state.secure_cookies))
    return response


def pending_cookies(visit: Visit, secure: bool) -> list[tuple[bytes, bytes]]:
    """``Set-Cookie`` headers for the cookies this visit changed, once (they are then taken)."""
    carrier = Response()
    for cookie in visit.cookies:
        if cookie.max_age == 0:
            carrier.delete_cookie(cookie.name, path="/", secure=secure, httponly=True)
            continue
        carrier.set_cookie(
            cookie.name,
            cookie.value,
            max_age=cookie.max_age if cookie.max_age > 0 else None,
            path="/",
            secure=secure,
            httponly=True,
            samesite="lax",
        )
    visit.cookies.clear()
    return [(k, v) for k, v in carrier.raw_headers if k == b"set-cookie"]


def page(
    request: Request, visit: Visit, template: str, status_code: int = 200, **context: Any
) -> Response:
    """``template`` rendered for this visit."""
    base = {
        "lang": visit.lang,
        "t": visit.t,
        "visitor": visit.visitor,
        "name": visit.name,
        "csrf_token": visit.csrf_token,
        "path": request.url.path,
        "query": request.query_params,
        "flash": request.query_params.get("flash") and visit.t(request.query_params["flash"]),
        "errors": [],
    }
    html = render(template, {**base, **context})
    return finish(request, visit, HTMLResponse(html, status_code=status_code))


def redirect(request: Request, visit: Visit, url: str, flash: str = "") -> Response:
    """A see-other to a local ``url`` (with a flash message key); for htmx an ``HX-Redirect``."""
    target = url + (("&" if "?" in url else "?") + f"flash={quote(flash)}" if flash else "")
    if request.headers.get(HTMX):
        response: Response = Response(status_code=204, headers={"HX-Redirect": target})
    else:
        response = RedirectResponse(target, status_code=303)
    return finish(request, visit, response)


def local(url: str | None, default: str = "/") -> str:
    """``url`` when it is a path on this site; anything else (another site) is ``default``."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return default
    return url


async def form_of(request: Request, visit: Visit) -> dict[str, str]:
    """The submitted form's text fields, after the CSRF check (field or htmx header)."""
    form = await request.form()
    sent = str(form.get(csrf.FIELD) or request.headers.get(csrf.HEADER) or "")
    if not csrf.matches(request.cookies.get(csrf.COOKIE), sent):
        raise CsrfRefused()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def messages(visit: Visit, problem: ApiProblem) -> list[str]:
    """A problem as lines a visitor can read: the detail, then one line per field error."""
    lines = []
    if problem.status == 429:
        lines.append(visit.t("error.too_many"))
    elif problem.status >= 500:
        lines.append(visit.t("error.unavailable"))
    else:
        lines.append(problem.detail or problem.title or visit.t("error.title"))
    for error in problem.errors:
        parts = [str(part) for part in error.get("loc", [])]
        where = parts[1:] if parts and parts[0] in ("body", "query", "path") else parts
        text = str(error.get("msg", ""))
        lines.append(visit.t("error.field", field=".".join(where), message=text) if where else text)
    return lines
