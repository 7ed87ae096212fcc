"""A shared error template raises as a new error, so raising it keeps no request alive; a
database with no free connection, or Redis unreachable or silent, is a 503 to retry, not a 500."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from stampede.kernel.errors import TooManyRequests
from stampede.kernel.web import install_problem_handlers


def _raise(error: Exception) -> Exception:
    with pytest.raises(type(error)) as caught:
        raise error
    return caught.value


def test_a_fresh_copy_keeps_what_the_template_says_and_no_traceback() -> None:
    template = TooManyRequests("slow down", retry_after=7, slug="over-limit")
    first = _raise(template.fresh())
    second = template.fresh()
    assert first is not second and second.__traceback__ is None
    assert (second.detail, second.slug, second.retry_after) == ("slow down", "over-limit", 7)
    assert second.problem() == template.problem()


async def test_a_database_whose_connections_all_stay_busy_answers_503_to_retry() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/crowded")
    async def crowded() -> None:
        raise PoolTimeout("QueuePool limit of size 5 overflow 10 reached")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        reply = await client.get("/crowded")
    assert reply.status_code == 503 and reply.headers["retry-after"] == "1"
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["type"].endswith("/busy")


@pytest.mark.parametrize("down", [RedisConnectionError("refused"), RedisTimeoutError("silent")])
async def test_redis_unreachable_or_silent_answers_503_to_retry(down: Exception) -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/hold")
    async def hold() -> None:
        raise down

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        reply = await client.get("/hold")
    assert reply.status_code == 503 and reply.headers["retry-after"] == "1"
    assert reply.json()["type"].endswith("/store-unavailable")
