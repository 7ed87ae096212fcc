"""The sales requests answered in an express lane (:mod:`stampede.kernel.express`): placing a
hold, entering a waiting room and polling a place.

Each lane parses with the routes' own body model and calls the routes' own handlers, so it
answers exactly what the FastAPI route would; anything it is not sure about it leaves to them.
"""

from __future__ import annotations

from pydantic import ValidationError
from starlette.types import Scope

from stampede.kernel.auth import Principal
from stampede.kernel.errors import StampedeError
from stampede.kernel.express import JSON, Lane, Reply, Work, encode, header
from stampede.kernel.module import Runtime
from stampede.sales.api.bodies import HoldIn
from stampede.sales.handlers import holds, queue
from stampede.sales.views import etag, hold_view

PREFIX = "/api/sales/"
REPLAYED = (b"idempotent-replayed", b"true")
NO_CACHE = (b"cache-control", b"no-cache")
HEX = frozenset("0123456789abcdefABCDEF")


class SalesLanes:
    """The claim of the sales context: which requests it answers in a lane, and how."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def __call__(self, method: str, path: str) -> Lane | None:
        if not path.startswith(PREFIX):
            return None
        rest = path[len(PREFIX) :]
        if method == "POST" and rest == "holds":
            return self._hold
        if method == "POST" and rest.endswith("/queue") and rest.count("/") == 1:
            return self._enter
        if method == "GET" and rest.startswith("queue/") and rest.count("/") == 1:
            return self._poll
        return None

    def _hold(self, scope: Scope, body: bytes) -> Work | None:
        key = header(scope, b"idempotency-key") or None
        if key is not None and len(key) > 255:
            return None
        try:
            parsed = HoldIn.model_validate_json(body)
            ask = parsed.ask(holds.sale_kind(self.runtime, str(parsed.listing_id)), key)
        except (ValidationError, StampedeError):
            return None

        async def place(user: Principal) -> Reply:
            hold, replayed = await holds.place_hold(self.runtime, user, ask)
            return 201, encode(hold_view(hold)), [JSON, REPLAYED] if replayed else [JSON]

        return place

    def _enter(self, scope: Scope, body: bytes) -> Work | None:
        listing_id = scope["path"][len(PREFIX) : -len("/queue")]
        if not _is_uuid(listing_id):
            return None

        async def enter(user: Principal) -> Reply:
            place, new = await queue.enter_queue(self.runtime, user, listing_id.lower())
            return (201 if new else 200), encode(place), [JSON, (b"etag", etag(place).encode())]

        return enter

    def _poll(self, scope: Scope, body: bytes) -> Work | None:
        ticket = scope["path"][len(PREFIX) + len("queue/") :]
        if not 3 <= len(ticket) <= 80:
            return None
        seen = header(scope, b"if-none-match").encode()

        async def poll(user: Principal) -> Reply:
            place = await queue.queue_place(self.runtime, user, ticket)
            tag = etag(place).encode()
            if seen == tag:
                return 304, b"", [(b"etag", tag)]
            return 200, encode(place), [JSON, (b"etag", tag), NO_CACHE]

        return poll


def _is_uuid(text: str) -> bool:
    parts = text.split("-")
    return [len(p) for p in parts] == [8, 4, 4, 4, 12] and HEX.issuperset(text.replace("-", ""))
