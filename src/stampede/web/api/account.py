"""Log-in, sign-up, e-mail verification, log-out and the language switch."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from stampede.web.api.pages import VisitDep, form_of, local, messages, page, redirect
from stampede.web.domain.i18n import LANGS
from stampede.web.handlers import account
from stampede.web.store import ApiProblem

router = APIRouter(include_in_schema=False)


@router.get("/login")
async def login_page(request: Request, visit: VisitDep) -> Response:
    next_url = local(request.query_params.get("next"))
    return page(request, visit, "account/login.html", next=next_url, email="")


@router.post("/login")
async def login(request: Request, visit: VisitDep) -> Response:
    form = await form_of(request, visit)
    next_url = local(form.get("next"))
    try:
        await account.log_in(visit, form.get("email", ""), form.get("password", ""))
    except ApiProblem as problem:
        refused = problem.status in (401, 422)
        errors = [visit.t("account.login.failed")] if refused else messages(visit, problem)
        return page(
            request,
            visit,
            "account/login.html",
            problem.status,
            errors=errors,
            next=next_url,
            email=form.get("email", ""),
        )
    return redirect(request, visit, next_url)


@router.get("/signup")
async def signup_page(request: Request, visit: VisitDep) -> Response:
    return page(request, visit, "account/signup.html", form={})


@router.post("/signup")
async def signup(request: Request, visit: VisitDep) -> Response:
    form = await form_of(request, visit)
    try:
        await account.sign_up(
            visit, form.get("name", ""), form.get("email", ""), form.get("password", "")
        )
    except ApiProblem as problem:
        return page(
            request,
            visit,
            "account/signup.html",
            problem.status,
            errors=messages(visit, problem),
            form=form,
        )
    return redirect(request, visit, "/", flash="account.signup.done")


@router.get("/verify-email")
async def verify_email(request: Request, visit: VisitDep) -> Response:
    verified = await account.verify(visit, request.query_params.get("token", ""))
    return page(request, visit, "account/verify.html", 200 if verified else 400, verified=verified)


@router.post("/verify-email/resend")
async def resend(request: Request, visit: VisitDep) -> Response:
    await form_of(request, visit)
    visit.require()
    await visit.post("/api/identity/verify-email/resend")
    return redirect(request, visit, "/", flash="account.verify.sent")


@router.post("/logout")
async def logout(request: Request, visit: VisitDep) -> Response:
    await form_of(request, visit)
    await account.log_out(visit)
    return redirect(request, visit, "/", flash="account.logout.done")


@router.post("/language")
async def language(request: Request, visit: VisitDep) -> Response:
    form = await form_of(request, visit)
    chosen = form.get("lang", "")
    if chosen in LANGS:
        visit.choose_language(chosen)
    return redirect(request, visit, local(form.get("next")))
