"""A page that fails unexpectedly answers with the readable 500 page (in the visitor's
language), never a cut connection; unknown pages are the 404 page."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from stampede.web.module import SecurityHeaders, install_error_pages
from stampede.web.store import Gateway


def failing_site() -> SecurityHeaders:
    app = FastAPI()
    app.state.gateway = Gateway(httpx.AsyncClient(base_url="http://unused"))
    app.state.secure_cookies = False

    @app.get("/broken")
    async def broken() -> None:
        raise RuntimeError("a bug")

    install_error_pages(app)
    return SecurityHeaders(app, "default-src 'self'")


async def test_an_unexpected_failure_is_the_error_page() -> None:
    transport = httpx.ASGITransport(app=failing_site())
    async with httpx.AsyncClient(transport=transport, base_url="http://site") as client:
        answer = await client.get("/broken", headers={"accept-language": "en"})
    assert answer.status_code == 500
    assert "Something went wrong" in answer.text
    assert answer.headers["content-security-policy"] == "default-src 'self'"


async def test_an_unknown_page_is_the_not_found_page() -> None:
    transport = httpx.ASGITransport(app=failing_site())
    async with httpx.AsyncClient(transport=transport, base_url="http://site") as client:
        answer = await client.get("/no/such/page")
    assert answer.status_code == 404 and "찾을 수 없는 페이지" in answer.text
