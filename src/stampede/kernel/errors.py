"""Errors that become RFC 9457 problem+json responses.

StampedeError (500)
├── BadRequest (400)
├── Unauthorized (401)
├── Forbidden (403)
├── NotFound (404)
├── Conflict (409)
├── PayloadTooLarge (413)
├── Unprocessable (422)
├── TooManyRequests (429)
└── Unavailable (503)
ConfigurationError — a setting is wrong or names something unreachable; the CLI prints one line.
"""

from __future__ import annotations

from typing import Self

PROBLEM_BASE = "https://stampede.dev/problems/"


class StampedeError(Exception):
    """An error with an HTTP status, a stable ``type`` slug and a human-readable detail."""

    status = 500
    slug = "internal"
    title = "Internal error"

    def __init__(self, detail: str = "", *, slug: str | None = None, **extra: object) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.slug = slug or self.slug
        self.extra = extra

    def fresh(self) -> Self:
        """A new error like this one, for raising a shared template: raising one instance again
        and again chains every raise's frames onto its traceback and keeps them alive."""
        copy = type(self).__new__(type(self))
        copy.__dict__.update(self.__dict__)
        Exception.__init__(copy, *self.args)
        return copy

    def problem(self, instance: str = "") -> dict[str, object]:
        body: dict[str, object] = {
            "type": PROBLEM_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


class BadRequest(StampedeError):
    status, slug, title = 400, "bad-request", "Bad request"


class Unauthorized(StampedeError):
    status, slug, title = 401, "unauthorized", "Authentication required"


class Forbidden(StampedeError):
    status, slug, title = 403, "forbidden", "Forbidden"


class NotFound(StampedeError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(StampedeError):
    status, slug, title = 409, "conflict", "Conflict"


class PayloadTooLarge(StampedeError):
    status, slug, title = 413, "payload-too-large", "Payload too large"


class Unprocessable(StampedeError):
    status, slug, title = 422, "validation", "Invalid input"


class TooManyRequests(StampedeError):
    status, slug, title = 429, "too-many-requests", "Too many requests"

    def __init__(
        self, detail: str = "", *, retry_after: int = 1, slug: str | None = None, **extra: object
    ) -> None:
        super().__init__(detail, slug=slug, **extra)
        self.retry_after = retry_after


class Unavailable(StampedeError):
    status, slug, title = 503, "unavailable", "Service unavailable"
    retry_after = 1


class ConfigurationError(Exception):
    """A setting that cannot work; ``str()`` is one line naming the setting."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"{setting}: {problem}")
        self.setting = setting
