"""My page's routes under ``/api/mypage``: only ever the caller's own orders."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from stampede.kernel.auth import CurrentUser
from stampede.mypage import views
from stampede.mypage.store import MyPageUoW
from stampede.mypage.views import DEFAULT_PAGE, MAX_PAGE, OrderDetail, OrdersPage

router = APIRouter(tags=["mypage"])
P = "/api/mypage"


async def uow(request: Request) -> MyPageUoW:
    return MyPageUoW(request.app.state.runtime)


UowDep = Annotated[MyPageUoW, Depends(uow)]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Kind = Annotated[Literal["deal", "performance", "device", "car"] | None, Query()]


@router.get(f"{P}/orders")
async def orders(
    user: CurrentUser,
    uow: UowDep,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE,
    kind: Kind = None,
) -> OrdersPage:
    """The caller's orders, reservations and rentals, newest first (``kind`` filters)."""
    return await views.orders(uow, user.user_id, kind, cursor, limit)


@router.get(f"{P}/orders/{{order_id}}")
async def order(order_id: uuid.UUID, user: CurrentUser, uow: UowDep) -> OrderDetail:
    """One of the caller's orders with its status timeline; anyone else's is a 404."""
    return await views.order(uow, user.user_id, str(order_id))
