"""Cross-site request forgery guard: a random token in an HttpOnly, SameSite cookie that every
form (hidden field) and every htmx request (header) must repeat; a cross-site page can neither
read the cookie nor forge the repeat."""

from __future__ import annotations

import hmac
import secrets

COOKIE = "st_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def matches(cookie: str | None, sent: str | None) -> bool:
    if not cookie or not sent:
        return False
    return hmac.compare_digest(cookie.encode(), sent.encode())
