"""A page that fails unexpectedly answers with the readable 500 page (in the visitor's
language), never a cut connection; unknown pages are the 404 page. (Synchronous tests: the
browser of the journeys keeps an event loop running in this thread.)"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

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


async def ask(path: str, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=failing_site())  # raises what the app lets escape
    async with httpx.AsyncClient(transport=transport, base_url="http://site") as client:
        return await client.get(path, headers=headers)


def get(path: str, **headers: str) -> httpx.Response:
    """``path`` asked on a loop of its own in another thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, ask(path, headers)).result()


def test_an_unexpected_failure_is_the_error_page() -> None:
    answer = get("/broken", **{"accept-language": "en"})
    assert answer.status_code == 500
    assert "Something went wrong" in answer.text
    assert answer.headers["content-security-policy"] == "default-src 'self'"


def test_an_unknown_page_is_the_not_found_page() -> None:
    answer = get("/no/such/page")
    assert answer.status_code == 404 and "찾을 수 없는 페이지" in answer.text
