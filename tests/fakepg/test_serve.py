"""``stampede fakepg`` serves the fake provider as its own process, and payment reaches it over
HTTP when ``PAYMENT_PROVIDER_URL`` names it: a payment is made and approved end to end (in
sync mode, ``PAYMENT_APPROVAL=sync``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from stampede.compose import build, running
from stampede.fakepg.buyer import approve_at_page, pg_token
from stampede.kernel.settings import Settings
from tests.fakepg.support import AUTH
from tests.payment.support import approve, person, place, started
from tests.system.processes import Process, free_port, wait_healthy

pytestmark = pytest.mark.system


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    args = ["fakepg", "--port", str(port), "--latency-ms", "20", "--seed", "1"]
    process = Process(args, {}, tmp_path / "fakepg.log").start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url
    finally:
        process.stop()


async def test_payment_pays_through_a_fakepg_process(served: str, tmp_path: Path) -> None:
    settings = Settings.for_tests(
        tmp_path, payment_provider_url=served, payment_approval="sync", payment_reconcile_s=3600.0
    )
    assert settings.service_url("fakepg") == served
    app, platform = build(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        running(platform),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as api,
        httpx.AsyncClient(base_url=served) as browser,
    ):
        knobs = await browser.put("/admin/knobs", json={"latency_ms": 0}, headers=AUTH)
        assert knobs.status_code == 200 and knobs.json()["seed"] == 1
        buyer = await person(platform)
        found = await started(api, await place(platform, buyer, amount=33_000))
        assert found["redirect_url"].startswith(f"{served}/pay/")
        [callback] = await approve_at_page(browser, found["redirect_url"])
        reply = await approve(api, buyer, found["payment_id"], pg_token(callback))
        assert reply.status_code == 200 and reply.json()["status"] == "approved"
        assert reply.json()["captured"] == 33_000
