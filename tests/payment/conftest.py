"""The embedded platform for payment's tests: a short call timeout (a provider that does not
answer is given up on after three seconds) and a reconciler that the tests drive themselves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from starlette.types import ASGIApp

from stampede.compose import Platform, build
from stampede.kernel.settings import Settings

TEST_SETTINGS: dict[str, object] = {"call_timeout_s": 3.0, "payment_reconcile_s": 3600.0}


@pytest.fixture
async def system(tmp_path: Path) -> AsyncIterator[tuple[ASGIApp, Platform]]:
    app, platform = build(Settings.for_tests(tmp_path, **TEST_SETTINGS))
    await platform.start()
    yield app, platform
    await platform.stop()
