"""The shop pages: search, one listing by kind, likes, the wish list and keyword alerts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from stampede.web.api.pages import HTMX, VisitDep, form_of, local, messages, page, redirect
from stampede.web.handlers.session import Visit
from stampede.web.handlers.shop import browse, buying
from stampede.web.store import ApiProblem

router = APIRouter(include_in_schema=False)


@router.get("/search")
async def search_page(
    request: Request,
    visit: VisitDep,
    q: str = "",
    kind: str = "",
    category: str = "",
    cursor: str = "",
) -> Response:
    found = await browse.search(visit, q[:100], kind, category, cursor[:512])
    chosen = {"q": q[:100], "kind": kind, "category": category}
    return page(request, visit, "shop/search.html", chosen=chosen, kinds=browse.KINDS, **found)


async def listing_page(
    request: Request,
    visit: Visit,
    listing_id: str,
    status_code: int = 200,
    errors: list[str] | None = None,
    chosen: dict[str, str] | None = None,
) -> Response:
    """The listing by kind (with what the visitor chose, after a problem); with ``?ticket=``
    the visitor came from its waiting room."""
    shown = await browse.listing(visit, listing_id)
    ticket = request.query_params.get("ticket", "")[:80]
    place = await buying.own_place(visit, ticket)
    asked = (chosen or {}).get("session") or request.query_params.get("session", "")
    session = browse.chosen_session(shown["item"], asked)
    return page(
        request,
        visit,
        "shop/listing.html",
        status_code,
        errors=errors or [],
        chosen=chosen or {},
        ticket=ticket if place else "",
        place=place,
        session=session,
        **shown,
    )


@router.get("/listings/{listing_id}")
async def listing(request: Request, visit: VisitDep, listing_id: str) -> Response:
    return await listing_page(request, visit, listing_id)


async def _liking(request: Request, visit: Visit, listing_id: str, liked: bool) -> Response:
    """Like or unlike; htmx gets the new button, a plain form goes back to where it was."""
    form = await form_of(request, visit)
    await (browse.like if liked else browse.unlike)(visit, listing_id)
    if request.headers.get(HTMX):
        return page(request, visit, "shop/like.html", item={"id": listing_id}, liked=liked)
    back = local(form.get("next"), f"/listings/{listing_id}")
    return redirect(request, visit, back, flash="shop.liked" if liked else "shop.unliked")


@router.post("/listings/{listing_id}/like")
async def like(request: Request, visit: VisitDep, listing_id: str) -> Response:
    return await _liking(request, visit, listing_id, True)


@router.post("/listings/{listing_id}/unlike")
async def unlike(request: Request, visit: VisitDep, listing_id: str) -> Response:
    return await _liking(request, visit, listing_id, False)


@router.get("/wishlist")
async def wishlist(request: Request, visit: VisitDep) -> Response:
    visit.require()
    return page(request, visit, "shop/wishlist.html", items=await browse.wishlist(visit))


async def alerts_page(
    request: Request,
    visit: Visit,
    status_code: int = 200,
    errors: list[str] | None = None,
    keyword: str = "",
) -> Response:
    visit.require()
    items = await browse.keywords(visit)
    return page(
        request,
        visit,
        "shop/alerts.html",
        status_code,
        items=items,
        errors=errors or [],
        keyword=keyword,
    )


@router.get("/alerts")
async def alerts(request: Request, visit: VisitDep) -> Response:
    return await alerts_page(request, visit)


@router.post("/alerts")
async def add_alert(request: Request, visit: VisitDep) -> Response:
    form = await form_of(request, visit)
    keyword = form.get("keyword", "")
    try:
        await browse.add_keyword(visit, keyword)
    except ApiProblem as problem:
        lines = messages(visit, problem)
        return await alerts_page(request, visit, problem.status, lines, keyword)
    return redirect(request, visit, "/alerts", flash="shop.alert_added")


@router.post("/alerts/{subscription_id}/remove")
async def remove_alert(request: Request, visit: VisitDep, subscription_id: str) -> Response:
    await form_of(request, visit)
    await browse.remove_keyword(visit, subscription_id)
    return redirect(request, visit, "/alerts", flash="shop.alert_removed")
