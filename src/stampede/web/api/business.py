"""The business pages: company application and dashboard, listings, shops, orders to fulfil,
ticket check-in and the sales history. Every page needs a business (or an admin); a customer
opening ``/business`` is offered the company application."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from stampede.web.api.pages import VisitDep, form_of, messages, page, redirect
from stampede.web.handlers.business import company, listings, orders, require_seller
from stampede.web.handlers.business.forms import (
    CATEGORIES,
    DEAL_SLOTS,
    EDITABLE,
    GRADE_TIERS,
    KINDS,
    SESSIONS,
    edit_values,
)
from stampede.web.handlers.session import Visit
from stampede.web.store import ApiProblem

router = APIRouter(include_in_schema=False)


@router.get("/business")
async def home(request: Request, visit: VisitDep) -> Response:
    return await _home(request, visit, {}, [], 200)


async def _home(
    request: Request, visit: Visit, form: dict[str, str], errors: list[str], status: int
) -> Response:
    visitor = visit.require()
    if visitor.has("business") or visitor.has("admin"):
        found = await company.approved_company(visit)
        counts = await company.dashboard(visit)
        return page(request, visit, "business/home.html", company=found, counts=counts)
    applications = await company.own_companies(visit)
    latest = applications[0] if applications else None
    return page(
        request, visit, "business/apply.html", status, latest=latest, form=form, errors=errors
    )


@router.post("/business/company")
async def apply(request: Request, visit: VisitDep) -> Response:
    form = await form_of(request, visit)
    visit.require()
    try:
        await company.apply(visit, form)
    except ApiProblem as problem:
        return await _home(request, visit, form, messages(visit, problem), problem.status)
    return redirect(request, visit, "/business", flash="biz.apply.sent")


@router.get("/business/listings")
async def my_listings(request: Request, visit: VisitDep) -> Response:
    require_seller(visit)
    kind = request.query_params.get("kind") or None
    found = await listings.mine(visit, request.query_params.get("cursor"), kind)
    return page(request, visit, "business/listings.html", listings=found, kind=kind, kinds=KINDS)


@router.post("/business/listings/{listing_id}/publish")
async def publish(request: Request, visit: VisitDep, listing_id: str) -> Response:
    return await _publishing(request, visit, listing_id, True)


@router.post("/business/listings/{listing_id}/unpublish")
async def unpublish(request: Request, visit: VisitDep, listing_id: str) -> Response:
    return await _publishing(request, visit, listing_id, False)


async def _publishing(request: Request, visit: Visit, listing_id: str, publish: bool) -> Response:
    await form_of(request, visit)
    require_seller(visit)
    try:
        await listings.set_published(visit, listing_id, publish)
    except ApiProblem as problem:
        if problem.status == 404:
            raise
        found = await listings.mine(visit, None, None)
        errors = messages(visit, problem)
        return page(
            request,
            visit,
            "business/listings.html",
            problem.status,
            listings=found,
            kind=None,
            kinds=KINDS,
            errors=errors,
        )
    done = "biz.listings.published" if publish else "biz.listings.unpublished"
    return redirect(request, visit, "/business/listings", flash=done)


@router.get("/business/listings/new")
async def new_listing(request: Request, visit: VisitDep) -> Response:
    require_seller(visit)
    kind = request.query_params.get("kind", "deal")
    return await _new_form(request, visit, kind, {}, [], 200)


async def _new_form(
    request: Request,
    visit: Visit,
    kind: str,
    form: dict[str, str],
    errors: list[str],
    status: int,
) -> Response:
    if kind not in KINDS:
        raise ApiProblem(404)
    shops = await listings.shops(visit) if kind == "device" else []
    return page(
        request,
        visit,
        "business/new.html",
        status,
        kind=kind,
        kinds=KINDS,
        categories=CATEGORIES[kind],
        tiers=range(1, GRADE_TIERS + 1),
        sessions=range(1, SESSIONS + 1),
        slots=DEAL_SLOTS,
        shops=shops,
        form=form,
        errors=errors,
    )


@router.post("/business/listings/new")
async def create_listing(request: Request, visit: VisitDep) -> Response:
    form = await form_of(request, visit)
    require_seller(visit)
    kind = form.get("kind", "")
    if kind not in KINDS:
        raise ApiProblem(404)
    try:
        await listings.create(visit, kind, form)
    except ApiProblem as problem:
        return await _new_form(request, visit, kind, form, messages(visit, problem), problem.status)
    return redirect(request, visit, "/business/listings", flash="biz.listings.created")


@router.get("/business/listings/{listing_id}/edit")
async def edit_listing(request: Request, visit: VisitDep, listing_id: str) -> Response:
    require_seller(visit)
    listing = await listings.one(visit, listing_id)
    return _edit_page(request, visit, listing, edit_values(listing), [], 200)


def _edit_page(
    request: Request,
    visit: Visit,
    listing: dict[str, Any],
    values: dict[str, Any],
    errors: list[str],
    status: int,
) -> Response:
    fields = EDITABLE.get(str(listing["kind"]), ())
    return page(
        request,
        visit,
        "business/edit.html",
        status,
        listing=listing,
        values=values,
        fields=fields,
        errors=errors,
    )


@router.post("/business/listings/{listing_id}/edit")
async def change_listing(request: Request, visit: VisitDep, listing_id: str) -> Response:
    form = await form_of(request, visit)
    require_seller(visit)
    try:
        await listings.change(visit, listing_id, form)
    except ApiProblem as problem:
        if problem.status == 404:
            raise
        listing = await listings.one(visit, listing_id)
        errors = messages(visit, problem)
        return _edit_page(request, visit, listing, form, errors, problem.status)
    return redirect(request, visit, "/business/listings", flash="biz.listings.saved")


@router.get("/business/shops")
async def shops(request: Request, visit: VisitDep) -> Response:
    require_seller(visit)
    return await _shops(request, visit, {}, [], 200)


async def _shops(
    request: Request, visit: Visit, form: dict[str, str], errors: list[str], status: int
) -> Response:
    found = await listings.shops(visit)
    return page(
        request, visit, "business/shops.html", status, shops=found, form=form, errors=errors
    )


@router.post("/business/shops")
async def add_shop(request: Request, visit: VisitDep) -> Response:
    form = await form_of(request, visit)
    require_seller(visit)
    try:
        await listings.add_shop(visit, form)
    except ApiProblem as problem:
        return await _shops(request, visit, form, messages(visit, problem), problem.status)
    return redirect(request, visit, "/business/shops", flash="biz.shops.created")


@router.get("/business/orders")
async def to_fulfil(request: Request, visit: VisitDep) -> Response:
    require_seller(visit)
    return await _orders(request, visit, [], 200)


async def _orders(request: Request, visit: Visit, errors: list[str], status: int) -> Response:
    found = await orders.to_fulfil(visit)
    return page(request, visit, "business/orders.html", status, errors=errors, **found)


@router.post("/business/orders/{thing}/{thing_id}/{action}")
async def move(
    request: Request, visit: VisitDep, thing: str, thing_id: str, action: str
) -> Response:
    await form_of(request, visit)
    require_seller(visit)
    try:
        await orders.move(visit, thing, thing_id, action)
    except ApiProblem as problem:
        return await _orders(request, visit, messages(visit, problem), problem.status)
    return redirect(request, visit, "/business/orders", flash=f"biz.orders.{action}.done")


@router.post("/business/orders/checkin")
async def check_in(request: Request, visit: VisitDep) -> Response:
    form = await form_of(request, visit)
    require_seller(visit)
    try:
        await orders.check_in(visit, *orders.ticket_and_code(form))
    except ApiProblem as problem:
        return await _orders(request, visit, messages(visit, problem), problem.status)
    return redirect(request, visit, "/business/orders", flash="biz.checkin.done")


@router.get("/checkin/{ticket_id}")
async def scanned_ticket(request: Request, visit: VisitDep, ticket_id: str) -> Response:
    """Where a ticket's QR code leads: the door staff confirms the check-in here."""
    require_seller(visit)
    code = request.query_params.get("code", "")
    return page(request, visit, "business/checkin.html", ticket_id=ticket_id, code=code)


@router.get("/business/sales")
async def sales(request: Request, visit: VisitDep) -> Response:
    require_seller(visit)
    return page(request, visit, "business/sales.html", **await orders.sales(visit))
