"""Signing up, logging in and out, verifying the e-mail address."""

from __future__ import annotations

import contextlib

from stampede.web.handlers.session import Visit
from stampede.web.store import ApiProblem


async def log_in(visit: Visit, email: str, password: str) -> None:
    """Exchange the credentials for a token pair and remember the visitor's name."""
    pair = await visit.public("/api/identity/login", {"email": email, "password": password})
    visit.keep(pair)
    me = await visit.get("/api/identity/me")
    visit.remember_name(str(me.get("name", "")))


async def sign_up(visit: Visit, name: str, email: str, password: str) -> None:
    """Create the account in the visitor's language, then log in."""
    await visit.public("/api/identity/signup", {"email": email, "password": password, "name": name})
    await log_in(visit, email, password)
    await visit.patch("/api/identity/me", {"locale": visit.lang})


async def log_out(visit: Visit) -> None:
    """End the session at identity (its refresh family) and forget the tokens here."""
    if visit.refresh:
        with contextlib.suppress(ApiProblem):  # an already ended session ends here too
            await visit.public("/api/identity/logout", {"refresh_token": visit.refresh})
    visit.forget()


async def verify(visit: Visit, token: str) -> bool:
    try:
        await visit.public("/api/identity/verify-email", {"token": token})
    except ApiProblem as problem:
        if problem.status >= 500:
            raise
        return False
    return True
