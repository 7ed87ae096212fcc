"""Operator tasks (CLI) and the demo seed."""

from __future__ import annotations

from stampede.identity.domain.accounts import ADMIN, CUSTOMER, normalize_trusted_email, with_role
from stampede.identity.domain.demo import DEMO_ACCOUNTS, DemoAccount
from stampede.identity.handlers.accounts import new_account, register
from stampede.identity.handlers.companies import apply_in, approve_in
from stampede.identity.store import IdentityUoW
from stampede.kernel.module import Runtime


async def create_admin(runtime: Runtime, email: str, password: str, name: str = "Admin") -> str:
    """A verified account with roles customer and admin, or the admin role added to the
    existing account of ``email`` (whose password is then left as it is)."""
    email = normalize_trusted_email(email)
    async with IdentityUoW(runtime) as uow:
        account = await uow.accounts.by_email(email)
        if account is not None:
            account.roles = with_role(account.roles, ADMIN)
            await uow.commit()
            return f"{email}: admin role added to the existing account"
    account = await new_account(email, password, name, [CUSTOMER, ADMIN], verified=True)
    async with IdentityUoW(runtime) as uow:
        await register(uow, account)
        await uow.commit()
    return f"{email}: admin account created"


async def seed_demo(runtime: Runtime) -> list[str]:
    """Demo accounts and approved companies, in one transaction, on an empty identity
    database; their login lines for the CLI. Does nothing (``[]``) if any account exists."""
    async with IdentityUoW(runtime) as uow:
        if await uow.accounts.exist():
            return []
        for demo in DEMO_ACCOUNTS:
            await _seed(uow, demo)
        await uow.commit()
    return [demo.login_line() for demo in DEMO_ACCOUNTS]


async def _seed(uow: IdentityUoW, demo: DemoAccount) -> None:
    email = normalize_trusted_email(demo.email)
    account = await new_account(email, demo.password, demo.name, list(demo.roles), verified=True)
    await register(uow, account)
    if demo.company is not None:
        company = await apply_in(
            uow, account.id, demo.company.application, company_id=demo.company.company_id
        )
        await approve_in(uow, company.id)
