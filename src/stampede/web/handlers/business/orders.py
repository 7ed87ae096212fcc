"""What the business fulfils: deliveries to ship and deliver, rentals to hand over and take
back, tickets to check in at the door; and its sales history."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from stampede.web.handlers.session import Visit
from stampede.web.store import ApiProblem

FULFILMENT = "/api/fulfilment"
DELIVERY_MOVES = ("ship", "deliver")
RENTAL_MOVES = ("pickup", "return")
CHECKIN_LINK = re.compile(r"/checkin/([0-9a-fA-F-]{36})")


async def to_fulfil(visit: Visit) -> dict[str, Any]:
    """Deliveries and rentals, oldest first (the newest hundred of each state are enough)."""
    deliveries = await visit.get(f"{FULFILMENT}/deliveries", params={"limit": 100})
    rentals = await visit.get(f"{FULFILMENT}/rentals", params={"limit": 100})
    return {"deliveries": deliveries["items"], "rentals": rentals["items"]}


async def move(visit: Visit, thing: str, thing_id: str, action: str) -> None:
    """Ship or deliver a delivery, pick up or return a rental (404 for another action)."""
    allowed = DELIVERY_MOVES if thing == "deliveries" else RENTAL_MOVES
    if thing not in ("deliveries", "rentals") or action not in allowed:
        raise ApiProblem(404)
    await visit.post(f"{FULFILMENT}/{thing}/{thing_id}/{action}")


def ticket_and_code(form: dict[str, str]) -> tuple[str, str]:
    """The ticket and its code from the form: a scanned check-in link, or both typed."""
    scanned = form.get("scanned", "").strip()
    found = CHECKIN_LINK.search(scanned)
    if found:
        code = parse_qs(urlsplit(scanned).query).get("code", [""])[0]
        return found.group(1), code
    return form.get("ticket_id", "").strip(), form.get("code", "").strip()


async def check_in(visit: Visit, ticket_id: str, code: str) -> dict[str, Any]:
    """Let the ticket's holder in (once): 403 for a wrong code, 409 when used or cancelled."""
    if not re.fullmatch(r"[0-9a-fA-F-]{36}", ticket_id):
        raise ApiProblem(404)
    answer: dict[str, Any] = await visit.post(
        f"{FULFILMENT}/tickets/{ticket_id}/checkin", {"code": code}
    )
    return answer


async def sales(visit: Visit) -> dict[str, Any]:
    answer: dict[str, Any] = await visit.get("/api/ordering/sales")
    return answer
