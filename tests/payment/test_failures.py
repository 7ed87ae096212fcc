"""When the provider does not answer an approval: a timeout (nothing happened) and a lost reply
(it happened) both leave the payment ``approving``; the reconciler settles it from the
provider's own record once it is stale — approving again, or giving up after three attempts —
and counts any difference between our money and the provider's."""

from __future__ import annotations

from typing import Any

import httpx
from prometheus_client import REGISTRY

from stampede.compose import Platform
from stampede.payment.handlers import reconcile_once
from tests.identity.support import User
from tests.payment.support import (
    PROVIDER_AUTH,
    STALE_S,
    approve,
    clock_of,
    events,
    knobs,
    person,
    place,
    provider_order,
    provider_stats,
    read,
    started,
    token_of,
)


async def stuck(
    api: httpx.AsyncClient, platform: Platform, fault: str
) -> tuple[dict[str, Any], User]:
    """A payment whose approval met ``fault`` at the provider (still approving), its buyer."""
    buyer = await person(platform)
    found = await started(api, await place(platform, buyer, amount=20_000))
    token = await token_of(platform, found)
    await knobs(platform, **{fault: 1.0}, faults_on=["approve"])
    reply = await approve(api, buyer, found["payment_id"], token, "sync")
    assert reply.status_code == 202 and reply.json()["status"] == "approving", reply.text
    return found, buyer


async def test_a_timed_out_approval_is_approved_again_by_the_reconciler(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    clock = clock_of(platform)
    found, buyer = await stuck(api, platform, "timeout_rate")
    assert (await provider_order(platform, found["tid"]))["status"] == "READY"
    await knobs(platform, timeout_rate=0.0)
    assert await reconcile_once(platform.runtimes["payment"]) == 0  # not stale yet
    clock.advance(seconds=STALE_S)
    assert await reconcile_once(platform.runtimes["payment"]) == 1
    await platform.settle()
    [approved] = await events(platform, "PaymentApproved")
    assert approved["captured"] == 20_000
    assert (await provider_stats(platform))["approved"] == 1


async def test_a_lost_reply_is_settled_from_the_providers_record_without_a_second_capture(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    clock = clock_of(platform)
    found, buyer = await stuck(api, platform, "lost_reply_rate")
    assert (await provider_order(platform, found["tid"]))["status"] == "SUCCESS_PAYMENT"
    clock.advance(seconds=STALE_S)
    await reconcile_once(platform.runtimes["payment"])
    await platform.settle()
    assert len(await events(platform, "PaymentApproved")) == 1
    stats = await provider_stats(platform)
    assert stats["approved"] == 1 and stats["approve_refused"] == 0
    now = (await read(api, buyer, found["payment_id"])).json()
    assert now["status"] == "approved" and now["captured"] == 20_000


async def test_an_approval_that_keeps_timing_out_is_called_off_and_fails(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    clock = clock_of(platform)
    found, buyer = await stuck(api, platform, "timeout_rate")
    for _ in range(3):  # two more attempts, then the transaction is called off
        clock.advance(seconds=STALE_S)
        await reconcile_once(platform.runtimes["payment"])
    await platform.settle()
    [failed] = await events(platform, "PaymentFailed")
    assert failed["reason"] == "timeout" and await events(platform, "PaymentApproved") == []
    assert (await provider_order(platform, found["tid"]))["status"] == "CANCEL_PAYMENT"
    assert (await provider_stats(platform))["timeouts"] == 3


async def test_a_difference_from_the_provider_is_counted(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    clock = clock_of(platform)
    before = _mismatches("balance")
    found, buyer = await stuck(api, platform, "lost_reply_rate")
    body = {"cid": "TC0ONETIME", "tid": found["tid"], "cancel_amount": 5_000,
            "cancel_tax_free_amount": 0}  # fmt: skip
    await knobs(platform, lost_reply_rate=0.0)
    cancelled = await platform.calls.request(  # someone cancels at the provider, not through us
        "fakepg", "POST", "/v1/payment/cancel", json=body, headers=PROVIDER_AUTH
    )
    assert cancelled.status_code == 200
    clock.advance(seconds=STALE_S)
    await reconcile_once(platform.runtimes["payment"])
    assert _mismatches("balance") == before + 1


def _mismatches(check: str) -> float:
    name = "stampede_payment_provider_mismatches_total"
    return REGISTRY.get_sample_value(name, {"check": check}) or 0.0
