"""Page journeys in real Chromium (Debian ``chromium`` driven by Python playwright).

One ``stampede up`` (embedded, demo data) serves every journey of the session; each journey
makes its own accounts so journeys do not depend on each other. Every journey runs twice, with
the browser's language set to Korean and to English. Chromium missing skips locally and fails
under ``CI=true``, like the real-service tests.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import services_required
from tests.system.processes import started
from tests.web.site import Site, wait_for_sales

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).parents[2] / "test-output" / "web"
LOCALES = {"ko": "ko-KR", "en": "en-US"}


def _need_chromium() -> None:
    if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return
    if services_required():
        pytest.fail(f"chromium is not installed at {CHROMIUM} (scripts/install installs it)")
    pytest.skip(f"chromium is not installed at {CHROMIUM}")


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("web-site")
    # every browser of the journeys comes from 127.0.0.1: the per-address limit is for crowds
    # a waiting room saves up one admission at most, so a test can know who waits
    env = {
        "PAYMENT_APPROVAL": "sync",
        "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_PER_IP": "100000",
        "SALES_ADMISSION_BURST": "1",
    }
    with started(["up", "--data-dir", str(data)], env, data / "stampede.log", 120) as (url, up):
        wait_for_sales(url)
        yield Site(url, data, up)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield launched
        launched.close()


@pytest.fixture(params=sorted(LOCALES))
def lang(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def new_page(browser: object, lang: str, site: Site) -> Iterator[object]:
    """A page in a fresh browser context (own cookies) speaking ``lang``; more contexts (a
    second person) come from ``site.person(browser, lang)``."""
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    context = browser.new_context(locale=LOCALES[lang], base_url=site.url)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS
