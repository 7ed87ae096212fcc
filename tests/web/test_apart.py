"""The pages in a process of their own (``stampede serve web``) reach the platform only over
HTTP through the gateway at ``GATEWAY_URL``, log in and show the same pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.system.processes import started
from tests.web.site import DEMO, Site


@pytest.fixture(scope="module")
def pages_apart(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data: Path = tmp_path_factory.mktemp("web-apart")
    env = {"GATEWAY_URL": site.url, "STAMPEDE_DATA_DIR": str(data), "LOG_LEVEL": "WARNING"}
    with started(["serve", "web"], env, data / "web.log") as (url, _):
        yield url


def test_a_separate_web_process_logs_in_through_the_gateway(pages_apart: str) -> None:
    with httpx.Client(base_url=pages_apart, timeout=15) as client:
        home = client.get("/", headers={"accept-language": "en"})
        assert home.status_code == 200 and 'lang="en"' in home.text
        form = {"csrf_token": client.cookies["st_csrf"], "next": "/"}
        email, password = DEMO["minji"]
        logged = client.post("/login", data={**form, "email": email, "password": password})
        assert logged.status_code == 303
        assert 'action="/logout"' in client.get("/").text
