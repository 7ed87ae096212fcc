"""The fake provider's knobs: latency, declines, timeouts (nothing happens), lost replies (it
happens, the answer is lost), duplicate callbacks; set at start or at run time, repeatable
with a seed."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from stampede.fakepg.buyer import approve_at_page, pg_token
from stampede.fakepg.knobs import Knobs
from tests.fakepg.support import approve, provider, ready, standing


async def _approved_token(client: httpx.AsyncClient) -> tuple[str, str]:
    found = await ready(client)
    [callback] = await approve_at_page(client, found["next_redirect_pc_url"])
    return found["tid"], pg_token(callback)


async def test_a_decline_fails_the_payment() -> None:
    async with provider(Knobs(decline_rate=1.0)) as client:
        tid, token = await _approved_token(client)
        declined = await approve(client, tid, token)
        assert declined.status_code == 400 and declined.json()["error_code"] == -780
        assert declined.json()["extras"]["method_result_code"] == "DECLINED"
        assert (await standing(client, tid))["status"] == "FAIL_PAYMENT"


async def test_a_timeout_never_answers_and_changes_nothing() -> None:
    async with provider(Knobs(timeout_rate=1.0, faults_on=["approve"])) as client:
        tid, token = await _approved_token(client)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.3):
                await approve(client, tid, token)
        assert (await standing(client, tid))["status"] == "READY"


async def test_a_lost_reply_happens_without_an_answer() -> None:
    async with provider(Knobs(lost_reply_rate=1.0, faults_on=["approve"])) as client:
        tid, token = await _approved_token(client)
        lost = await approve(client, tid, token)
        assert lost.status_code == 504 and lost.content == b""
        assert (await standing(client, tid))["status"] == "SUCCESS_PAYMENT"
        stats = (await client.get("/admin/stats")).json()
        assert stats["lost_replies"] == 1 and stats["approved"] == 1


async def test_a_duplicate_callback_sends_the_buyer_back_twice_with_one_token() -> None:
    async with provider(Knobs(duplicate_callback_rate=1.0)) as client:
        found = await ready(client)
        callbacks = await approve_at_page(client, found["next_redirect_pc_url"])
        assert len(callbacks) == 2 and callbacks[0] == callbacks[1]


async def test_knobs_change_at_run_time_and_latency_delays_answers() -> None:
    async with provider() as client:
        changed = await client.put("/admin/knobs", json={"latency_ms": 200})
        assert changed.status_code == 200 and changed.json()["latency_ms"] == 200
        started = time.monotonic()
        await ready(client)
        assert time.monotonic() - started >= 0.2
        wrong = await client.put("/admin/knobs", json={"decline_rate": 2})
        assert wrong.status_code == 400
        assert (await client.get("/admin/knobs")).json()["decline_rate"] == 0.0


async def test_a_seed_repeats_the_same_outcomes() -> None:
    async def outcomes(seed: int) -> list[int]:
        async with provider(Knobs(decline_rate=0.5, seed=seed)) as client:
            codes = []
            for _ in range(12):
                tid, token = await _approved_token(client)
                codes.append((await approve(client, tid, token)).status_code)
            return codes

    first = await outcomes(7)
    assert first == await outcomes(7) and set(first) == {200, 400}
