"""Fulfilment's tests run on a platform of identity (accounts, roles, tokens) and fulfilment
only: ordering reaches fulfilment by signed calls, which the tests make themselves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from starlette.types import ASGIApp

from stampede.compose import MODULES, Platform, build
from stampede.kernel.settings import Settings

HOSTED = ("identity", "fulfilment")


async def started(settings: Settings) -> AsyncIterator[tuple[ASGIApp, Platform]]:
    app, platform = build(settings, [m for m in MODULES if m.name in HOSTED])
    await platform.start()
    yield app, platform
    await platform.stop()


@pytest.fixture
async def system(tmp_path: Path) -> AsyncIterator[tuple[ASGIApp, Platform]]:
    """The embedded platform (SQLite under tmp_path, memory bus and store) of identity and
    fulfilment, started."""
    async for running in started(Settings.for_tests(tmp_path)):
        yield running
