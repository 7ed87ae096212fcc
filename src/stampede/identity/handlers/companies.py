"""Company applications: a user applies, an admin approves or rejects.

The role check (admin only) is made at the HTTP edge; these functions check existence and the
state of the application.
"""

from __future__ import annotations

from dataclasses import asdict

from stampede.identity.contracts import CompanyApplied, CompanyApproved, CompanyRejected
from stampede.identity.domain.accounts import BUSINESS, with_role
from stampede.identity.domain.companies import (
    APPROVED,
    PENDING,
    REJECTED,
    Application,
    CompanyStatus,
    decide,
)
from stampede.identity.handlers.accounts import existing
from stampede.identity.store import Company, IdentityUoW
from stampede.kernel.errors import NotFound
from stampede.kernel.messages import now


async def apply_company(uow: IdentityUoW, owner_id: str, application: Application) -> Company:
    """A pending application; 409 when the owner has one pending or the number is taken."""
    async with uow:
        company = await apply_in(uow, owner_id, application)
        await uow.commit()
    return company


async def apply_in(
    uow: IdentityUoW, owner_id: str, application: Application, company_id: str | None = None
) -> Company:
    """:func:`apply_company` inside an open unit of work, which the caller commits; the demo
    seed passes a fixed ``company_id``, everyone else gets a fresh one."""
    company = Company(owner_id=owner_id, status=PENDING, **asdict(application.checked()))
    if company_id is not None:
        company.id = company_id
    await existing(uow, owner_id)
    await uow.companies.add(company)
    event = CompanyApplied(
        company_id=company.id,
        owner_id=owner_id,
        name=company.name,
        registration_number=company.registration_number,
    )
    uow.emit(event, subject=company.id)
    return company


async def approve_company(uow: IdentityUoW, company_id: str) -> Company:
    """Approves a pending application and gives its owner the ``business`` role (409 if
    decided already, 404 if unknown)."""
    async with uow:
        company = await approve_in(uow, company_id)
        await uow.commit()
    return company


async def approve_in(uow: IdentityUoW, company_id: str) -> Company:
    """:func:`approve_company` inside an open unit of work, which the caller commits."""
    company = await _decide(uow, company_id, APPROVED)
    owner = await existing(uow, company.owner_id, for_update=True)
    owner.roles = with_role(owner.roles, BUSINESS)
    uow.emit(
        CompanyApproved(
            company_id=company.id,
            owner_id=company.owner_id,
            name=company.name,
            registration_number=company.registration_number,
            contact_email=company.contact_email,
            contact_phone=company.contact_phone,
        ),
        subject=company.id,
    )
    return company


async def reject_company(uow: IdentityUoW, company_id: str, reason: str) -> Company:
    """Rejects a pending application with a reason (409 if decided already, 404 if unknown)."""
    async with uow:
        company = await _decide(uow, company_id, REJECTED, reason.strip())
        uow.emit(
            CompanyRejected(
                company_id=company.id,
                owner_id=company.owner_id,
                name=company.name,
                reason=reason.strip(),
            ),
            subject=company.id,
        )
        await uow.commit()
    return company


async def _decide(
    uow: IdentityUoW, company_id: str, decision: CompanyStatus, reason: str | None = None
) -> Company:
    company = await uow.companies.get(company_id, for_update=True)
    if company is None:
        raise NotFound("no such company", slug="company-not-found")
    company.status = decide(company.status, decision)
    company.reason, company.decided_at = reason, now()
    return company
