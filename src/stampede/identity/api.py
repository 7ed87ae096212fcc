"""Identity's HTTP API: parse the request, call a handler (or a view for GET), shape the answer.

Bodies are strict (unknown fields are a 422) and every string is bounded. Roles are checked
here (``AdminUser``); ownership is checked by the views and handlers, answering 404 for what
the caller may not see.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, EmailStr, StringConstraints, model_validator

from stampede.identity import handlers, views
from stampede.identity.domain.accounts import Locale
from stampede.identity.domain.companies import Application, CompanyStatus
from stampede.identity.domain.tokens import TokenPair
from stampede.identity.store import IdentityUoW
from stampede.identity.views import Address, CompanyPage, CompanyView, Profile
from stampede.kernel.auth import AdminUser, CurrentUser

router = APIRouter(tags=["identity"])
P = "/api/identity"
CLIENT_IP_HEADER = "x-stampede-client-ip"


async def uow(request: Request) -> IdentityUoW:
    return IdentityUoW(request.app.state.runtime)


async def client_ip(request: Request) -> str:
    """The address the gateway saw (``x-stampede-client-ip``), else the peer's."""
    forwarded = request.headers.get(CLIENT_IP_HEADER, "").strip()
    return forwarded or (request.client.host if request.client else "unknown")


UowDep = Annotated[IdentityUoW, Depends(uow)]
ClientIp = Annotated[str, Depends(client_ip)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Password = Annotated[str, StringConstraints(min_length=8, max_length=128)]
Secret = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignUpIn(Body):
    email: EmailStr
    password: Password
    name: Name


class LoginIn(Body):
    email: Annotated[str, StringConstraints(min_length=1, max_length=254)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class RefreshIn(Body):
    refresh_token: Secret


class VerifyIn(Body):
    token: Secret


class ProfilePatch(Body):
    name: Name | None = None
    locale: Locale | None = None
    default_address: Address | None = None

    @model_validator(mode="before")
    @classmethod
    def _name_and_locale_not_null(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(data.get(k, "") is None for k in ("name", "locale")):
            raise ValueError("name and locale cannot be null")
        return data


class CompanyIn(Body):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    registration_number: Annotated[str, StringConstraints(min_length=10, max_length=14)]
    contact_email: EmailStr
    contact_phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9][0-9 -]{6,18}$")]


class RejectIn(Body):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class TokenOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int

    @classmethod
    def of(cls, pair: TokenPair) -> TokenOut:
        return cls(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            token_type=pair.token_type,
            expires_in=pair.expires_in,
        )


@router.post(f"{P}/signup", status_code=201)
async def sign_up(body: SignUpIn, uow: UowDep) -> Profile:
    account = await handlers.sign_up(uow, email=body.email, password=body.password, name=body.name)
    return views.to_profile(account)


@router.post(f"{P}/login")
async def log_in(body: LoginIn, uow: UowDep, ip: ClientIp) -> TokenOut:
    pair = await handlers.log_in(uow, email=body.email, password=body.password, client_ip=ip)
    return TokenOut.of(pair)


@router.post(f"{P}/refresh")
async def refresh(body: RefreshIn, uow: UowDep) -> TokenOut:
    return TokenOut.of(await handlers.refresh(uow, body.refresh_token))


@router.post(f"{P}/logout", status_code=204)
async def log_out(body: RefreshIn, uow: UowDep) -> None:
    await handlers.log_out(uow, body.refresh_token)


@router.post(f"{P}/verify-email")
async def verify_email(body: VerifyIn, uow: UowDep) -> dict[str, bool]:
    await handlers.verify_email(uow, body.token)
    return {"email_verified": True}


@router.post(f"{P}/verify-email/resend", status_code=202)
async def resend_verification(user: CurrentUser, uow: UowDep) -> dict[str, str]:
    await handlers.resend_verification(uow, user.user_id)
    return {"status": "sent"}


@router.get(f"{P}/me")
async def me(user: CurrentUser, uow: UowDep) -> Profile:
    return await views.user(uow, user, user.user_id)


@router.patch(f"{P}/me")
async def update_me(body: ProfilePatch, user: CurrentUser, uow: UowDep) -> Profile:
    changes = body.model_dump(exclude_unset=True)
    return views.to_profile(await handlers.update_profile(uow, user.user_id, changes))


@router.get(f"{P}/users/{{user_id}}")
async def get_user(user_id: uuid.UUID, user: CurrentUser, uow: UowDep) -> Profile:
    return await views.user(uow, user, str(user_id))


@router.post(f"{P}/companies", status_code=201)
async def apply_company(body: CompanyIn, user: CurrentUser, uow: UowDep) -> CompanyView:
    application = Application(**body.model_dump())
    company = await handlers.apply_company(uow, user.user_id, application)
    return views.to_company(company)


@router.get(f"{P}/companies")
async def list_companies(
    user: CurrentUser,
    uow: UowDep,
    status: CompanyStatus | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> CompanyPage:
    return await views.companies(uow, user, status, limit, offset)


@router.get(f"{P}/companies/{{company_id}}")
async def get_company(company_id: uuid.UUID, user: CurrentUser, uow: UowDep) -> CompanyView:
    return await views.company(uow, user, str(company_id))


@router.post(f"{P}/companies/{{company_id}}/approve")
async def approve_company(company_id: uuid.UUID, _admin: AdminUser, uow: UowDep) -> CompanyView:
    return views.to_company(await handlers.approve_company(uow, str(company_id)))


@router.post(f"{P}/companies/{{company_id}}/reject")
async def reject_company(
    company_id: uuid.UUID, body: RejectIn, _admin: AdminUser, uow: UowDep
) -> CompanyView:
    company = await handlers.reject_company(uow, str(company_id), body.reason)
    return views.to_company(company)


@router.get("/.well-known/jwks.json")
async def jwks(request: Request, uow: UowDep) -> JSONResponse:
    """The public signing keys; a key is created first if there is none yet."""
    await handlers.signing_key(request.app.state.runtime)
    return JSONResponse(await views.jwks(uow), headers={"Cache-Control": "public, max-age=60"})
