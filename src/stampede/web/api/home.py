"""The home page: today's deals, this week's, categories and open ticket sales."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from stampede.web.api.pages import VisitDep, page
from stampede.web.handlers import home

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home_page(request: Request, visit: VisitDep) -> Response:
    return page(request, visit, "home.html", **await home.front(visit))
