"""Boards: anyone lists them; admins add one."""

from __future__ import annotations

from fastapi import Response

from stampede.community import handlers
from stampede.community.api.bodies import BoardCreate
from stampede.community.api.common import P, UowDep, community_router, shared_answer
from stampede.community.store.shared import BOARDS_SCOPE
from stampede.community.views import reads
from stampede.community.views.models import BoardView, board_view
from stampede.kernel.auth import AdminUser

router = community_router()


@router.get(f"{P}/boards", response_model=list[BoardView])
async def boards(uow: UowDep) -> Response:
    """Every board, in their order (the free board and the price board first)."""
    return await shared_answer(uow, None, (("boards",), (BOARDS_SCOPE,)), lambda: reads.boards(uow))


@router.post(f"{P}/boards", status_code=201)
async def add_board(body: BoardCreate, admin: AdminUser, uow: UowDep) -> BoardView:
    """Admins only (403 ``role-required``); 409 ``board-exists`` for a taken slug."""
    return board_view(await handlers.create_board(uow, body.model_dump()))
