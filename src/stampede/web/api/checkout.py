"""The checkout pages: the waiting room, holding goods, the order review, and paying (the
provider sends the buyer back to ``/payments/{id}/approved|cancelled|failed``)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from stampede.web.api.pages import VisitDep, form_of, messages, page, redirect
from stampede.web.api.shop import listing_page
from stampede.web.handlers.session import Visit
from stampede.web.handlers.shop import browse, buying
from stampede.web.store import ApiProblem

router = APIRouter(include_in_schema=False)


def explain(visit: Visit, problem: ApiProblem) -> list[str]:
    """A buying problem in the buyer's words (the API's own message when it is not known)."""
    known = buying.explained(visit, problem)
    return [known] if known else messages(visit, problem)


@router.post("/sales/{listing_id}/queue")
async def enter_queue(request: Request, visit: VisitDep, listing_id: str) -> Response:
    await form_of(request, visit)
    try:
        place = await buying.enter_queue(visit, listing_id)
    except ApiProblem as problem:
        lines = explain(visit, problem)
        return await listing_page(request, visit, listing_id, problem.status, lines)
    return redirect(request, visit, f"/sales/queue/{place['ticket']}")


@router.get("/sales/queue/{ticket}")
async def waiting_room(request: Request, visit: VisitDep, ticket: str) -> Response:
    """The live position; an admitted buyer goes straight on to the listing's hold step."""
    place = await buying.place(visit, ticket)
    onward = f"/listings/{place['listing_id']}?ticket={ticket}"
    if place["admitted"]:
        return redirect(request, visit, onward)
    return page(request, visit, "checkout/queue.html", place=place, onward=onward)


@router.get("/sales/queue/{ticket}/place")
async def place_json(request: Request, visit: VisitDep, ticket: str) -> Response:
    """The API's poll, with its ETag (304 when the browser's copy is current)."""
    answer = await buying.place_for_browser(visit, ticket, request.headers.get("if-none-match", ""))
    headers = {"ETag": answer.headers.get("etag", ""), "Cache-Control": "no-cache"}
    if answer.status_code == 304:
        return Response(status_code=304, headers=headers)
    if answer.status_code >= 400:
        return Response(status_code=answer.status_code)
    body = json.dumps(buying.public_place(answer.json()))
    return Response(body, media_type="application/json", headers=headers)


@router.get("/sales/queue/{ticket}/events")
async def place_events(visit: VisitDep, ticket: str) -> Response:
    """The place as server-sent events (see :func:`buying.place_stream`); the page falls back
    to :func:`place_json` when the stream cannot be had."""
    visit.require()
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    stream = buying.place_stream(visit, ticket)
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)


@router.post("/listings/{listing_id}/hold")
async def hold(request: Request, visit: VisitDep, listing_id: str) -> Response:
    form = await form_of(request, visit)
    seat_ids = [str(s) for s in (await request.form()).getlist("seat_ids")]
    visit.require()
    try:
        held = await buying.hold(visit, listing_id, form, seat_ids)
    except ApiProblem as problem:
        lines = explain(visit, problem)
        return await listing_page(request, visit, listing_id, problem.status, lines, form)
    return redirect(request, visit, f"/checkout/{held['hold_id']}")


async def _review(
    request: Request,
    visit: VisitDep,
    hold_id: str,
    status_code: int = 200,
    errors: list[str] | None = None,
    address: str | None = None,
) -> Response:
    shown = await buying.review(visit, hold_id)
    if address is not None:
        shown["address"] = address
    return page(request, visit, "checkout/review.html", status_code, errors=errors or [], **shown)


@router.get("/checkout/{hold_id}")
async def review(request: Request, visit: VisitDep, hold_id: str) -> Response:
    visit.require()
    return await _review(request, visit, hold_id)


@router.post("/checkout/{hold_id}")
async def place_order(request: Request, visit: VisitDep, hold_id: str) -> Response:
    form = await form_of(request, visit)
    try:
        order = await buying.place_order(visit, hold_id, form)
    except ApiProblem as problem:
        lines, address = explain(visit, problem), form.get("shipping_address", "")
        return await _review(request, visit, hold_id, problem.status, lines, address)
    return redirect(request, visit, f"/checkout/orders/{order['order_id']}/pay")


@router.get("/checkout/orders/{order_id}/pay")
async def pay(request: Request, visit: VisitDep, order_id: str) -> Response:
    visit.require()
    shown = await buying.payment_step(visit, order_id)
    return page(request, visit, "checkout/pay.html", **shown)


@router.post("/checkout/orders/{order_id}/pay")
async def start_payment(request: Request, visit: VisitDep, order_id: str) -> Response:
    form = await form_of(request, visit)
    try:
        await buying.start_payment(visit, order_id, form.get("idem") or browse.new_key())
    except ApiProblem as problem:
        shown = await buying.payment_step(visit, order_id)
        lines = explain(visit, problem)
        return page(request, visit, "checkout/pay.html", problem.status, errors=lines, **shown)
    return redirect(request, visit, f"/checkout/orders/{order_id}/pay")


@router.get("/checkout/payments/{payment_id}/qr.svg")
async def payment_qr(visit: VisitDep, payment_id: str) -> Response:
    answer = await visit.raw("GET", f"/api/payment/payments/{payment_id}/qr.svg")
    if answer.status_code >= 400:
        raise ApiProblem.of(answer)
    return Response(answer.content, media_type="image/svg+xml")


@router.get("/payments/{payment_id}/approved")
async def approved(
    request: Request, visit: VisitDep, payment_id: str, pg_token: str = ""
) -> Response:
    """Back from the provider: approve, then the order's page on my page."""
    try:
        order_id, outcome = await buying.approve(visit, payment_id, pg_token[:200])
    except ApiProblem as problem:
        if problem.status in (401, 403, 404):
            raise
        return redirect(request, visit, "/my", flash="checkout.pay_failed")
    return redirect(request, visit, f"/my/orders/{order_id}", flash=outcome)


@router.get("/payments/{payment_id}/cancelled")
async def cancelled(request: Request, visit: VisitDep, payment_id: str) -> Response:
    order_id = await buying.give_up(visit, payment_id)
    return redirect(
        request, visit, f"/checkout/orders/{order_id}/pay", flash="checkout.pay_cancelled"
    )


@router.get("/payments/{payment_id}/failed")
async def failed(request: Request, visit: VisitDep, payment_id: str) -> Response:
    order_id = await buying.give_up(visit, payment_id)
    return redirect(request, visit, f"/checkout/orders/{order_id}/pay", flash="checkout.pay_failed")
