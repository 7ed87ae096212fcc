"""Buying: the waiting room, holding goods, the checkout review, the order and its payment.

Every step that creates something carries an Idempotency-Key made when its form was shown, so
a double submit answers the first result instead of holding, ordering or paying twice. The
waiting room's admission token never reaches the browser: the hold step reads it from the
ticket's place.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Any

import httpx

from stampede.web.handlers.session import NeedLogin, Visit
from stampede.web.handlers.shop.browse import new_key
from stampede.web.store import ApiProblem

SHIPPED = frozenset({"stock", "unit"})
LIVE_PAYMENTS = frozenset({"ready", "approving", "approved"})
PLACE_FIELDS = ("ticket", "listing_id", "position", "admitted", "estimated_wait_s")
STREAM_EVERY_S = 1.0
STREAM_FOR_S = 600.0
HEARTBEAT_TICKS = 15
APPROVALS = {"approved": "checkout.paid", "approving": "checkout.paying"}
PROBLEM_WORDS = {
    "sold-out": "checkout.sold_out",
    "taken": "checkout.taken",
    "over-limit": "checkout.over_limit",
    "not-admitted": "checkout.not_admitted",
    "admission-used": "checkout.admission_again",
    "admission-expired": "checkout.admission_again",
    "bad-admission": "checkout.admission_again",
    "sale-closed": "checkout.sale_closed",
    "not-on-sale": "checkout.sale_closed",
    "sale-starting": "checkout.sale_starting",
    "hold-ended": "checkout.hold_ended",
    "address-required": "checkout.address_required",
    "date-in-past": "checkout.date_in_past",
    "date-too-far": "checkout.date_too_far",
}


def explained(visit: Visit, problem: ApiProblem) -> str | None:
    """The buyer's words for a problem of buying, when it is a known one."""
    key = PROBLEM_WORDS.get(problem.slug)
    return visit.t(key) if key else None


async def enter_queue(visit: Visit, listing_id: str) -> dict[str, Any]:
    place: dict[str, Any] = await visit.post(f"/api/sales/{listing_id}/queue")
    return place


async def place(visit: Visit, ticket: str) -> dict[str, Any]:
    found: dict[str, Any] = await visit.get(f"/api/sales/queue/{ticket}")
    return found


async def own_place(visit: Visit, ticket: str) -> dict[str, Any] | None:
    """The visitor's place for ``ticket``; None without one, or for a ticket that is gone."""
    if not ticket or (visit.visitor is None and not visit.refresh):
        return None
    try:
        return await place(visit, ticket)
    except ApiProblem as problem:
        if problem.status in (404, 422):
            return None
        raise


async def place_for_browser(visit: Visit, ticket: str, etag: str) -> httpx.Response:
    """The API's poll answer (304 when ``etag`` is current); see :func:`public_place`."""
    headers = {"if-none-match": etag} if etag else {}
    return await visit.raw("GET", f"/api/sales/queue/{ticket}", headers=headers)


async def place_stream(visit: Visit, ticket: str) -> AsyncIterator[str]:
    """Server-sent events of the visitor's place: one ``data:`` line of JSON each time the
    place changes (asked of the API every :data:`STREAM_EVERY_S` with its ETag), a comment line
    now and then so proxies keep the stream open; it ends once admitted, when the ticket is
    gone or the access token runs out, and after :data:`STREAM_FOR_S` (the browser then polls,
    renewing the session as any page does)."""
    etag, ticks = "", 0
    deadline = time.monotonic() + STREAM_FOR_S
    visit.refresh = None  # a pair renewed inside the stream could not reach the browser's
    # cookies (and its old refresh token would then be spent): a 401 ends the stream instead
    while time.monotonic() < deadline:
        try:
            answer = await place_for_browser(visit, ticket, etag)
        except (ApiProblem, NeedLogin):
            return
        if answer.status_code >= 400:
            return
        if answer.status_code == 200:
            etag, body = answer.headers.get("etag", ""), public_place(answer.json())
            yield f"data: {json.dumps(body)}\n\n"
            if body.get("admitted"):
                return
        elif ticks % HEARTBEAT_TICKS == 0:
            yield ": waiting\n\n"
        ticks += 1
        await asyncio.sleep(STREAM_EVERY_S)


def public_place(body: dict[str, Any]) -> dict[str, Any]:
    """A place without its admission token, which only the hold step needs."""
    return {name: body.get(name) for name in PLACE_FIELDS}


async def admission(visit: Visit, ticket: str) -> str | None:
    """The admission token of the visitor's ticket; ApiProblem 403 while still waiting."""
    if not ticket:
        return None
    token = (await place(visit, ticket)).get("admission_token")
    if not token:
        raise ApiProblem(403, detail=visit.t("checkout.not_admitted"), slug="not-admitted")
    return str(token)


def ask_of(kind: str, form: dict[str, str], seat_ids: Sequence[str]) -> dict[str, Any]:
    """What to hold, by the listing's kind, from the listing page's form."""
    if kind == "deal":
        quantity = (form.get("quantity") or "1").strip()
        return {"quantity": int(quantity) if quantity.isdigit() else quantity}
    if kind == "performance":
        return {"seat_ids": list(seat_ids)} if seat_ids else {}
    if kind == "device":
        return {"shop_id": form["shop_id"]} if form.get("shop_id") else {}
    return {"start_date": form.get("start_date") or None, "end_date": form.get("end_date") or None}


def days_in_order(form: dict[str, str]) -> bool:
    """Both rental days given, the return day after the pick-up day."""
    try:
        start = date.fromisoformat(form.get("start_date", ""))
        end = date.fromisoformat(form.get("end_date", ""))
    except ValueError:
        return False
    return start < end


async def hold(
    visit: Visit, listing_id: str, form: dict[str, str], seat_ids: Sequence[str]
) -> dict[str, Any]:
    """Hold the goods asked for; the form's key makes a repeat answer the same hold."""
    if form.get("kind") == "performance" and not seat_ids:
        raise ApiProblem(422, detail=visit.t("checkout.pick_seats"), slug="no-seats")
    if form.get("kind") == "car" and not days_in_order(form):
        raise ApiProblem(422, detail=visit.t("checkout.dates_order"), slug="dates-order")
    body = {"listing_id": listing_id, **ask_of(form.get("kind", ""), form, seat_ids)}
    token = await admission(visit, form.get("ticket", ""))
    if token:
        body["admission_token"] = token
    headers = {"Idempotency-Key": form.get("idem") or new_key()}
    held: dict[str, Any] = await visit.post("/api/sales/holds", body, headers=headers)
    return held


def seat_lines(item: dict[str, Any], seat_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The held seats with their labels, grades and prices."""
    wanted, lines = set(seat_ids), []
    for session in (item.get("performance") or {}).get("sessions", []):
        for section in session["sections"]:
            for row in section["rows"]:
                for seat in row["seats"]:
                    if seat["id"] in wanted:
                        lines.append({**seat, "section": section["name"], "row": row["name"]})
    return lines


def estimate(item: dict[str, Any], held: dict[str, Any]) -> int:
    """What the hold should cost (the order's amount is the final word)."""
    kind = item["kind"]
    if kind == "deal":
        price = int((item.get("deal") or {}).get("deal_price", item["price"]))
        return price * int(held["quantity"])
    if kind == "performance":
        return sum(int(seat["price"]) for seat in seat_lines(item, held["seat_ids"]))
    if kind == "car" and held.get("start_date") and held.get("end_date"):
        days = (date.fromisoformat(held["end_date"]) - date.fromisoformat(held["start_date"])).days
        return int((item.get("car") or {}).get("daily_rate", 0)) * days
    return int(item["price"])


def address_text(profile: dict[str, Any]) -> str:
    """The profile's default address as one line, for the shipping field."""
    address = profile.get("default_address") or {}
    parts = [address.get(k, "") for k in ("recipient", "phone", "postcode", "line1", "line2")]
    return " ".join(part for part in parts if part)


async def review(visit: Visit, hold_id: str) -> dict[str, Any]:
    """The checkout page: the hold, its listing, the price, the address to prefill."""
    held = await visit.get(f"/api/sales/holds/{hold_id}")
    item = await visit.get(f"/api/catalog/listings/{held['listing_id']}")
    ships = held["kind"] in SHIPPED
    address = address_text(await visit.get("/api/identity/me")) if ships else ""
    return {
        "held": held,
        "item": item,
        "ships": ships,
        "address": address,
        "seats": seat_lines(item, held["seat_ids"]),
        "estimate": estimate(item, held),
        "idem": new_key(),
    }


async def place_order(visit: Visit, hold_id: str, form: dict[str, str]) -> dict[str, Any]:
    """The order of the hold, and its payment started at once (both once per form key)."""
    key = form.get("idem") or new_key()
    body: dict[str, Any] = {"hold_id": hold_id}
    if form.get("shipping_address", "").strip():
        body["shipping_address"] = form["shipping_address"].strip()
    order: dict[str, Any] = await visit.post(
        "/api/ordering/orders", body, headers={"Idempotency-Key": key}
    )
    await start_payment(visit, order["order_id"], f"pay-{key}")
    return order


async def start_payment(visit: Visit, order_id: str, key: str) -> dict[str, Any]:
    headers = {"Idempotency-Key": key}
    paid: dict[str, Any] = await visit.post(
        "/api/payment/payments", {"order_id": order_id}, headers=headers
    )
    return paid


async def latest_payment(visit: Visit, order_id: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = await visit.get(f"/api/payment/orders/{order_id}/payment")
    except ApiProblem as problem:
        if problem.status == 404:
            return None
        raise
    return found


async def payment_step(visit: Visit, order_id: str) -> dict[str, Any]:
    """The pay page: the order, its live payment (QR and provider link) or a start button."""
    order = await visit.get(f"/api/ordering/orders/{order_id}")
    payment = await latest_payment(visit, order_id)
    live = payment if payment and payment["status"] in LIVE_PAYMENTS else None
    link = live["redirect_url"] if live and live["redirect_url"].startswith("http") else ""
    return {"order": order, "payment": live, "provider_link": link, "idem": new_key()}


async def approve(visit: Visit, payment_id: str, pg_token: str) -> tuple[str, str]:
    """Approve with the provider's token (a repeated callback captures once): the order id
    and the word key of how it went."""
    payment = await visit.get(f"/api/payment/payments/{payment_id}")
    headers = {"Idempotency-Key": f"approve-{payment_id}-{pg_token}"[:255]}
    answer = await visit.post(
        f"/api/payment/payments/{payment_id}/approve", {"pg_token": pg_token}, headers=headers
    )
    outcome = APPROVALS.get(str((answer or {}).get("status")), "checkout.pay_failed")
    return str(payment["order_id"]), outcome


async def give_up(visit: Visit, payment_id: str) -> str:
    """The buyer left the provider's page: the payment ends; the order id."""
    payment = await visit.get(f"/api/payment/payments/{payment_id}")
    try:
        await visit.post(f"/api/payment/payments/{payment_id}/cancel")
    except ApiProblem as problem:
        if problem.status not in (404, 409):
            raise
    return str(payment["order_id"])
