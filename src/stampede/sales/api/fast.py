"""The sales requests answered in an express lane (:mod:`stampede.kernel.express`): placing a
hold, entering a waiting room and polling a place.

Each lane parses with the routes' own body model and calls the routes' own handlers, so it
answers exactly what the FastAPI route would; anything it is not sure about it leaves to them.
"""

from __future__ import annotations

import re

from pydantic import ValidationError
from pydantic_core import from_json
from starlette.types import Scope

from stampede.kernel.auth import Principal
from stampede.kernel.errors import StampedeError
from stampede.kernel.express import JSON, Lane, Reply, Work, encode, header, problem_reply
from stampede.kernel.module import Runtime
from stampede.sales.api.bodies import HoldIn
from stampede.sales.domain.holds import MAX_QUANTITY, Kind, Verdict
from stampede.sales.handlers import holds, queue
from stampede.sales.handlers.holds import Ask
from stampede.sales.views import etag, hold_view

PREFIX = "/api/sales/"
REPLAYED = (b"idempotent-replayed", b"true")
NO_CACHE = (b"cache-control", b"no-cache")
UUID_FORM = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
LOWER_UUID = re.compile(UUID_FORM).fullmatch
ANY_CASE_UUID = re.compile(UUID_FORM, re.IGNORECASE).fullmatch
COUNTED_FIELDS = frozenset(("listing_id", "quantity", "admission_token"))
MAX_TOKEN = 300  # as the model's Token
_REFUSED: dict[Verdict, Reply] = {}


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
        ask = counted_ask(body, key) or self._modelled_ask(body, key)
        if ask is None:
            return None

        async def place(user: Principal) -> Reply:
            placed = await holds.try_hold(self.runtime, user, ask)
            if isinstance(placed, Verdict):
                return refused(placed)
            hold, replayed = placed
            return 201, encode(hold_view(hold)), [JSON, REPLAYED] if replayed else [JSON]

        return place

    def _modelled_ask(self, body: bytes, key: str | None) -> Ask | None:
        try:
            parsed = HoldIn.model_validate_json(body)
            return parsed.ask(holds.sale_kind(self.runtime, str(parsed.listing_id)), key)
        except (ValidationError, StampedeError):
            return None

    def _enter(self, scope: Scope, body: bytes) -> Work | None:
        listing_id = scope["path"][len(PREFIX) : -len("/queue")]
        if ANY_CASE_UUID(listing_id) is None:
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


def counted_ask(body: bytes, key: str | None) -> Ask | None:
    """The usual body of a crowd — ``{"listing_id": <uuid>, "quantity": n}``, perhaps with an
    ``admission_token`` — read without the model, for exactly the bodies the model would read
    the same way (a canonical lower-case id, a plain integer in range, a token of sane length);
    None for anything else, which the model then reads."""
    try:
        data = from_json(body)
    except ValueError:
        return None
    if type(data) is not dict or not COUNTED_FIELDS.issuperset(data):
        return None
    listing_id, quantity = data.get("listing_id"), data.get("quantity")
    token = data.get("admission_token")
    if type(quantity) is not int or not 1 <= quantity <= MAX_QUANTITY:
        return None
    if type(listing_id) is not str or LOWER_UUID(listing_id) is None:
        return None
    if token is not None and (type(token) is not str or not 1 <= len(token) <= MAX_TOKEN):
        return None
    return Ask(listing_id, Kind.STOCK, quantity, admission_token=token, idempotency_key=key)


def refused(verdict: Verdict) -> Reply:
    """The problem+json reply of a refusal, encoded once per verdict."""
    reply = _REFUSED.get(verdict)
    if reply is None:
        reply = _REFUSED[verdict] = problem_reply(holds.refusal(verdict), PREFIX + "holds")
    status, body, headers = reply
    return status, body, list(headers)
