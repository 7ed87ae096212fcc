"""Community's tests run on a platform of identity (its signing key makes the members' tokens)
and community only: ordering's and identity's events are published by the tests themselves.

One platform serves every test of a module (started once, in the module's event loop: building
the apps costs more than most tests), so each test makes its own members, posts, boards and
listings and never counts what other tests of its module wrote. Modules that need their own
platform per test (PostgreSQL) define ``system``, ``platform`` and ``api`` themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from starlette.types import ASGIApp

from stampede.compose import MODULES, Platform, build
from stampede.kernel.settings import Settings

HOSTED = ("identity", "community")


async def started(settings: Settings) -> AsyncIterator[tuple[ASGIApp, Platform]]:
    app, platform = build(settings, [m for m in MODULES if m.name in HOSTED])
    await platform.start()
    yield app, platform
    await platform.stop()


async def client(app: ASGIApp) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the public API through the gateway."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
        yield api


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[ASGIApp, Platform]]:
    """The embedded platform (SQLite, memory bus and store) of identity and community, started
    once for the module."""
    async for running in started(Settings.for_tests(tmp_path_factory.mktemp("community"))):
        yield running


@pytest_asyncio.fixture(loop_scope="module")
async def platform(shared: tuple[ASGIApp, Platform]) -> Platform:
    return shared[1]


@pytest_asyncio.fixture(loop_scope="module")
async def api(shared: tuple[ASGIApp, Platform]) -> AsyncIterator[httpx.AsyncClient]:
    async for running in client(shared[0]):
        yield running
