"""Shared fixtures: real services (PostgreSQL, Redis, RabbitMQ) and isolated data dirs.

A real-service test skips when its server is unreachable, except under ``CI=true`` or
``STAMPEDE_REQUIRE_SERVICES=1``, where it fails; any skip at all fails such a run.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from starlette.types import ASGIApp

from stampede.compose import Platform, build
from stampede.kernel.settings import Settings

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def services_required() -> bool:
    return (
        os.environ.get("CI", "").lower() == "true"
        or os.environ.get("STAMPEDE_REQUIRE_SERVICES", "") == "1"
    )


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), timeout=1
        ):
            return True
    except OSError:
        return False


def need(url: str, default_port: int, name: str) -> None:
    if _reachable(url, default_port):
        return
    message = f"{name} is not reachable at {url}"
    if services_required():
        pytest.fail(message + " (real-service tests are required here)")
    pytest.skip(message)


@pytest.fixture
def redis_url() -> str:
    need(REDIS_URL, 6379, "Redis")
    return REDIS_URL


@pytest.fixture
def amqp_url() -> str:
    need(AMQP_URL, 5672, "RabbitMQ")
    return AMQP_URL


def _run_sync(coro: Coroutine[Any, Any, None]) -> None:
    """Run admin SQL on its own loop in a thread, so sync and async fixtures can both use it."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coro).result()


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(POSTGRES_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _fresh_database() -> Iterator[str]:
    need(POSTGRES_URL, 5432, "PostgreSQL")
    name = f"stampede_t_{uuid.uuid4().hex[:12]}"
    _run_sync(_admin(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    yield f"{base}/{name}"
    _run_sync(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database (asyncpg SQLAlchemy URL), dropped afterwards."""
    yield from _fresh_database()


@pytest.fixture
def other_postgres_url() -> Iterator[str]:
    """A second fresh database, for a second context in the same test."""
    yield from _fresh_database()


@pytest.fixture
def env_clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Remove Stampede settings from the environment so tests start from the defaults."""
    for key in list(os.environ):
        if key.endswith(("_DATABASE_URL", "_URL")) or key.startswith("STAMPEDE_"):
            if key.startswith("TEST_"):
                continue
            monkeypatch.delenv(key, raising=False)
    yield


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if services_required() and skipped:
        if reporter:
            reporter.write_line(
                f"{skipped} test(s) skipped where real services are required", red=True
            )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
async def system(tmp_path: Path) -> AsyncIterator[tuple[ASGIApp, Platform]]:
    """The embedded platform (SQLite under tmp_path, memory bus and store), started."""
    app, platform = build(Settings.for_tests(tmp_path))
    await platform.start()
    yield app, platform
    await platform.stop()


@pytest.fixture
def platform(system: tuple[ASGIApp, Platform]) -> Platform:
    return system[1]


@pytest.fixture
async def api(system: tuple[ASGIApp, Platform]) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the public API through the gateway, as a browser or app would call it."""
    transport = httpx.ASGITransport(app=system[0])
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
