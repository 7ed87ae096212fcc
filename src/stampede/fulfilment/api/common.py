"""What every fulfilment route shares: its unit of work, the staff check, paging parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from stampede.fulfilment.domain.access import is_staff
from stampede.fulfilment.store import FulfilmentUoW
from stampede.fulfilment.views.models import DEFAULT_PAGE, MAX_PAGE
from stampede.kernel.auth import CurrentUser, Principal
from stampede.kernel.errors import Forbidden

P = "/api/fulfilment"


async def uow(request: Request) -> FulfilmentUoW:
    return FulfilmentUoW(request.app.state.runtime)


async def staff(user: CurrentUser) -> Principal:
    """A business user or an admin (403 ``role-required`` otherwise)."""
    if not is_staff(user.roles):
        raise Forbidden("requires the business role", slug="role-required")
    return user


UowDep = Annotated[FulfilmentUoW, Depends(uow)]
Staff = Annotated[Principal, Depends(staff)]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
DEFAULT_LIMIT = DEFAULT_PAGE
