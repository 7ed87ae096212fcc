"""Internal routes accept only signed calls from Stampede contexts, and a callee's problem
reaches the caller's caller with its status and type."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from stampede.kernel.errors import Conflict, NotFound, Unavailable
from stampede.kernel.internal import HEADER, ServiceCaller, _problem, service_token
from stampede.kernel.web import install_problem_handlers

SECRET = "a-test-secret-of-enough-length"


class _Settings:
    secret_key = SECRET


class _Runtime:
    settings = _Settings()


def _app() -> FastAPI:
    app = FastAPI()
    app.state.runtime = _Runtime()
    install_problem_handlers(app)

    @app.get("/internal/x")
    async def who(caller: ServiceCaller) -> dict[str, str]:
        return {"caller": caller}

    return app


async def _get(headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get("/internal/x", headers=headers)


async def test_a_signed_call_passes_and_names_its_caller() -> None:
    reply = await _get({HEADER: service_token(SECRET, "ordering")})
    assert reply.status_code == 200 and reply.json() == {"caller": "ordering"}


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({HEADER: "ordering.deadbeef"}, 403),
        ({HEADER: service_token("another-secret-of-length", "ordering")}, 403),
        ({HEADER: service_token(SECRET, "ordering").replace("ordering", "payment")}, 403),
    ],
)
async def test_unsigned_or_badly_signed_calls_are_refused(
    headers: dict[str, str], status: int
) -> None:
    reply = await _get(headers)
    assert reply.status_code == status
    assert reply.headers["content-type"].startswith("application/problem+json")


def test_a_callee_problem_keeps_status_and_slug_and_a_5xx_becomes_unavailable() -> None:
    taken = _problem(
        "sales", 409, {"type": "https://stampede.dev/problems/hold-taken", "detail": "x"}
    )
    assert isinstance(taken, Conflict) and taken.slug == "hold-taken" and taken.detail == "x"
    assert isinstance(_problem("sales", 404, {}), NotFound)
    assert isinstance(_problem("sales", 500, {"detail": "boom"}), Unavailable)
