"""The mypage pages: orders, one order (timeline, tickets, cancel and refund), ticket QR codes,
reviews, the inbox, notification settings and the profile. Every page needs a login."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from stampede.web.api.pages import VisitDep, form_of, messages, page, redirect
from stampede.web.handlers.mypage import known_id, notices, orders, profile
from stampede.web.store import ApiProblem

router = APIRouter(include_in_schema=False)
DONE = {"cancel": "my.cancel.done", "refund": "my.refund.done"}


@router.get("/my")
async def my_orders(request: Request, visit: VisitDep) -> Response:
    visit.require()
    kind = orders.chosen_kind(request.query_params.get("kind"))
    found = await orders.orders(visit, kind, request.query_params.get("cursor"))
    return page(request, visit, "mypage/orders.html", found=found, kind=kind, kinds=orders.KINDS)


@router.get("/my/orders/{order_id}")
async def my_order(request: Request, visit: VisitDep, order_id: str) -> Response:
    visit.require()
    shown = await orders.order_page(visit, known_id(order_id))
    return page(request, visit, "mypage/order.html", shown=shown)


@router.post("/my/orders/{order_id}/{action}")
async def order_action(request: Request, visit: VisitDep, order_id: str, action: str) -> Response:
    """Cancel (``cancel``) or cancel for a refund (``refund``): the same call to ordering."""
    form = await form_of(request, visit)
    visit.require()
    order_id = known_id(order_id)
    if action not in DONE:
        return redirect(request, visit, f"/my/orders/{order_id}")
    try:
        await orders.cancel(visit, order_id, form.get("key", ""))
    except ApiProblem as problem:
        shown = await orders.order_page(visit, order_id)
        errors = messages(visit, problem)
        return page(request, visit, "mypage/order.html", problem.status, shown=shown, errors=errors)
    return redirect(request, visit, f"/my/orders/{order_id}", flash=DONE[action])


@router.get("/my/tickets/{ticket_id}/qr.svg")
async def ticket_qr(visit: VisitDep, ticket_id: str) -> Response:
    """The ticket's QR code, for its buyer only; never kept by caches."""
    visit.require()
    status, content, kind = await orders.ticket_qr(visit, known_id(ticket_id))
    headers = {"Cache-Control": "private, no-store"}
    return Response(content, status_code=status, media_type=kind, headers=headers)


@router.get("/my/reviews/new")
async def review_page(request: Request, visit: VisitDep) -> Response:
    visit.require()
    order_id = request.query_params.get("order_id", "")
    item = await orders.reviewable(visit, order_id)
    form = {"stars": "5", "body": ""}
    return page(request, visit, "mypage/review.html", 200 if item else 404, item=item, form=form)


@router.post("/my/reviews")
async def write_review(request: Request, visit: VisitDep) -> Response:
    form = await form_of(request, visit)
    visit.require()
    order_id = known_id(form.get("order_id", ""))
    try:
        await orders.write_review(visit, form)
    except ApiProblem as problem:
        item = await orders.reviewable(visit, order_id)
        errors = messages(visit, problem)
        context = {"item": item, "form": form, "errors": errors}
        return page(request, visit, "mypage/review.html", problem.status, **context)
    return redirect(request, visit, f"/my/orders/{order_id}", flash="my.review.done")


@router.get("/my/inbox")
async def inbox(request: Request, visit: VisitDep) -> Response:
    visit.require()
    found = await notices.inbox(visit, request.query_params.get("cursor"))
    return page(request, visit, "mypage/inbox.html", found=found)


@router.post("/my/inbox/{notice_id}/read")
async def mark_read(request: Request, visit: VisitDep, notice_id: str) -> Response:
    await form_of(request, visit)
    visit.require()
    await notices.mark_read(visit, known_id(notice_id))
    return redirect(request, visit, "/my/inbox")


@router.get("/my/preferences")
async def preferences(request: Request, visit: VisitDep) -> Response:
    visit.require()
    chosen = await notices.preferences(visit)
    return _preferences_page(request, visit, chosen)


@router.post("/my/preferences")
async def save_preferences(request: Request, visit: VisitDep) -> Response:
    form = await form_of(request, visit)
    visit.require()
    try:
        await notices.set_preferences(visit, form)
    except ApiProblem as problem:
        chosen = notices.wanted(form)
        errors = messages(visit, problem)
        return _preferences_page(request, visit, chosen, problem.status, errors)
    return redirect(request, visit, "/my/preferences", flash="my.prefs.saved")


def _preferences_page(
    request: Request,
    visit: VisitDep,
    chosen: dict[str, dict[str, bool]],
    status: int = 200,
    errors: list[str] | None = None,
) -> Response:
    return page(
        request,
        visit,
        "mypage/preferences.html",
        status,
        chosen=chosen,
        topics=notices.TOPICS,
        channels=notices.CHANNELS,
        always_on=notices.ALWAYS_ON,
        errors=errors or [],
    )


@router.get("/my/profile")
async def profile_page(request: Request, visit: VisitDep) -> Response:
    visit.require()
    me = await profile.profile(visit)
    return page(request, visit, "mypage/profile.html", me=me, form=profile.as_form(me))


@router.post("/my/profile")
async def save_profile(request: Request, visit: VisitDep) -> Response:
    form = await form_of(request, visit)
    visit.require()
    try:
        await profile.save(visit, form)
    except ApiProblem as problem:
        me = await profile.profile(visit)
        errors = messages(visit, problem)
        context = {"me": me, "form": form, "errors": errors}
        return page(request, visit, "mypage/profile.html", problem.status, **context)
    return redirect(request, visit, "/my/profile", flash="my.profile.saved")
