"""The admin pages: the platform's status, company applications, cars and phones, and
reported posts. Every page needs the admin role; a problem of the API is shown on the page
the action came from."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response

from stampede.web.api.pages import VisitDep, form_of, messages, page, redirect
from stampede.web.handlers.admin import manage
from stampede.web.handlers.admin.status import platform_status
from stampede.web.handlers.session import Visit
from stampede.web.store import ApiProblem

router = APIRouter(include_in_schema=False)
Shown = Callable[[list[str], int], Awaitable[Response]]


@router.get("/admin")
async def status(request: Request, visit: VisitDep) -> Response:
    visit.require("admin")
    found = await platform_status(visit)
    return page(request, visit, "admin/status.html", platform=found)


@router.get("/admin/companies")
async def companies(request: Request, visit: VisitDep) -> Response:
    visit.require("admin")
    return await _companies(request, visit, request.query_params.get("status", "pending"))([], 200)


def _companies(request: Request, visit: Visit, state: str) -> Shown:
    async def show(errors: list[str], code: int) -> Response:
        found = await manage.companies(visit, state)
        return page(
            request,
            visit,
            "admin/companies.html",
            code,
            companies=found,
            state=state,
            states=manage.COMPANY_STATES,
            errors=errors,
        )

    return show


@router.post("/admin/companies/{company_id}/{decision}")
async def decide(request: Request, visit: VisitDep, company_id: str, decision: str) -> Response:
    form = await form_of(request, visit)
    visit.require("admin")
    if decision not in ("approve", "reject"):
        raise ApiProblem(404)
    work = manage.decide(visit, company_id, decision == "approve", form.get("reason", ""))
    shown = _companies(request, visit, "pending")
    done = "admin.companies.approved" if decision == "approve" else "admin.companies.rejected"
    return await _act(request, visit, work, shown, "/admin/companies", done)


async def _act(
    request: Request, visit: Visit, work: Awaitable[None], shown: Shown, back: str, done: str
) -> Response:
    """Do ``work``; back to ``back`` with the ``done`` message, or the page again with the
    API's problem."""
    try:
        await work
    except ApiProblem as problem:
        return await shown(messages(visit, problem), problem.status)
    return redirect(request, visit, back, flash=done)


@router.get("/admin/catalog")
async def catalog(request: Request, visit: VisitDep) -> Response:
    visit.require("admin")
    return await _catalog(request, visit)([], 200)


def _catalog(request: Request, visit: Visit) -> Shown:
    async def show(errors: list[str], code: int) -> Response:
        found = await manage.catalog(visit, request.query_params.get("cursor"))
        return page(
            request,
            visit,
            "admin/catalog.html",
            code,
            car_states=manage.CAR_STATES,
            errors=errors,
            **found,
        )

    return show


@router.post("/admin/catalog/{listing_id}/car-status")
async def car_status(request: Request, visit: VisitDep, listing_id: str) -> Response:
    form = await form_of(request, visit)
    visit.require("admin")
    work = manage.set_car_status(visit, listing_id, form.get("car_status", ""))
    return await _act(
        request, visit, work, _catalog(request, visit), "/admin/catalog", "admin.catalog.saved"
    )


@router.post("/admin/catalog/{listing_id}/{action}")
async def publishing(request: Request, visit: VisitDep, listing_id: str, action: str) -> Response:
    await form_of(request, visit)
    visit.require("admin")
    if action not in ("publish", "unpublish"):
        raise ApiProblem(404)
    work = manage.set_published(visit, listing_id, action == "publish")
    done = f"admin.catalog.{action}ed"
    return await _act(request, visit, work, _catalog(request, visit), "/admin/catalog", done)


@router.get("/admin/reports")
async def reports(request: Request, visit: VisitDep) -> Response:
    visit.require("admin")
    return await _reports(request, visit)([], 200)


def _reports(request: Request, visit: Visit) -> Shown:
    async def show(errors: list[str], code: int) -> Response:
        found = await manage.reports(visit, request.query_params.get("cursor"))
        return page(request, visit, "admin/reports.html", code, reports=found, errors=errors)

    return show


@router.post("/admin/reports/{post_id}/{action}")
async def moderate(request: Request, visit: VisitDep, post_id: str, action: str) -> Response:
    await form_of(request, visit)
    visit.require("admin")
    work = manage.moderate(visit, post_id, action)
    done = f"admin.reports.{action}.done"
    return await _act(request, visit, work, _reports(request, visit), "/admin/reports", done)
