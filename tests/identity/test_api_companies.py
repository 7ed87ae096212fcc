"""Company applications through the public API: apply, review, visibility."""

from __future__ import annotations

import httpx
import pytest

from stampede.compose import Platform
from tests.identity.support import (
    API,
    PROBLEM,
    events,
    log_in,
    new_admin,
    new_user,
    unverified_claims,
)

BRN = "124-81-00998"  # valid: check digit 8
OTHER_BRN = "2208162517"  # valid, no dashes
MISSING = "6f1c0e8e-8a4b-4c61-9d55-2f1f7d2a9b10"


def company_body(number: str = BRN, name: str = "트워드 모바일") -> dict[str, str]:
    return {
        "name": name,
        "registration_number": number,
        "contact_email": "Contact@Tword.example",
        "contact_phone": "02-555-0101",
    }


async def apply(api: httpx.AsyncClient, auth: dict[str, str], number: str = BRN) -> str:
    reply = await api.post(f"{API}/companies", headers=auth, json=company_body(number))
    assert reply.status_code == 201, reply.text
    company_id: str = reply.json()["id"]
    return company_id


async def test_apply_files_a_pending_application(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    user = await new_user(api)
    reply = await api.post(f"{API}/companies", headers=user.auth, json=company_body())
    assert reply.status_code == 201
    body = reply.json()
    assert body["status"] == "pending" and body["owner_id"] == user.id
    assert body["registration_number"] == "1248100998"
    assert body["contact_email"] == "contact@tword.example"
    [event] = await events(platform, "CompanyApplied")
    assert event["company_id"] == body["id"] and event["owner_id"] == user.id


async def test_applying_needs_a_login(api: httpx.AsyncClient) -> None:
    reply = await api.post(f"{API}/companies", json=company_body())
    assert reply.status_code == 401


@pytest.mark.parametrize("number", ["124-81-00997", "12481009", "124810099812", "abcdefghij"])
async def test_invalid_registration_numbers_are_422(api: httpx.AsyncClient, number: str) -> None:
    user = await new_user(api)
    reply = await api.post(f"{API}/companies", headers=user.auth, json=company_body(number))
    assert reply.status_code == 422 and reply.headers["content-type"] == PROBLEM


async def test_one_pending_application_per_user(api: httpx.AsyncClient) -> None:
    user = await new_user(api)
    await apply(api, user.auth)
    reply = await api.post(f"{API}/companies", headers=user.auth, json=company_body(OTHER_BRN))
    assert reply.status_code == 409 and reply.json()["type"].endswith("/application-pending")


async def test_a_registration_number_is_unique(api: httpx.AsyncClient) -> None:
    first, second = await new_user(api), await new_user(api)
    await apply(api, first.auth)
    reply = await api.post(f"{API}/companies", headers=second.auth, json=company_body("1248100998"))
    assert reply.status_code == 409
    assert reply.json()["type"].endswith("/registration-number-taken")


async def test_approval_makes_the_owner_a_business(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    user, admin = await new_user(api), await new_admin(api, platform)
    company_id = await apply(api, user.auth)
    reply = await api.post(f"{API}/companies/{company_id}/approve", headers=admin.auth)
    assert reply.status_code == 200 and reply.json()["status"] == "approved"
    tokens = await log_in(api, user.email)
    assert unverified_claims(tokens["access_token"])["roles"] == ["customer", "business"]
    me = await api.get(f"{API}/me", headers={"authorization": f"Bearer {tokens['access_token']}"})
    assert me.json()["roles"] == ["customer", "business"]
    [event] = await events(platform, "CompanyApproved")
    assert event == {
        "company_id": company_id,
        "owner_id": user.id,
        "name": "트워드 모바일",
        "registration_number": "1248100998",
        "contact_email": "contact@tword.example",
        "contact_phone": "02-555-0101",
    }


async def test_a_refresh_after_approval_carries_the_new_role(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    user, admin = await new_user(api), await new_admin(api, platform)
    company_id = await apply(api, user.auth)
    await api.post(f"{API}/companies/{company_id}/approve", headers=admin.auth)
    fresh = (await api.post(f"{API}/refresh", json={"refresh_token": user.refresh})).json()
    assert "business" in unverified_claims(fresh["access_token"])["roles"]


async def test_only_admins_review_applications(api: httpx.AsyncClient) -> None:
    user = await new_user(api)
    company_id = await apply(api, user.auth)
    for action, body in (("approve", None), ("reject", {"reason": "no"})):
        reply = await api.post(
            f"{API}/companies/{company_id}/{action}", headers=user.auth, json=body
        )
        assert reply.status_code == 403 and reply.headers["content-type"] == PROBLEM
    own = await api.get(f"{API}/companies/{company_id}", headers=user.auth)
    assert own.json()["status"] == "pending"


async def test_a_decision_is_final(api: httpx.AsyncClient, platform: Platform) -> None:
    user, admin = await new_user(api), await new_admin(api, platform)
    company_id = await apply(api, user.auth)
    assert (
        await api.post(f"{API}/companies/{company_id}/approve", headers=admin.auth)
    ).status_code == 200
    twice = await api.post(f"{API}/companies/{company_id}/approve", headers=admin.auth)
    assert twice.status_code == 409
    reject = await api.post(
        f"{API}/companies/{company_id}/reject", headers=admin.auth, json={"reason": "late"}
    )
    assert reject.status_code == 409
    assert len(await events(platform, "CompanyApproved")) == 1


async def test_unknown_companies_are_404(api: httpx.AsyncClient, platform: Platform) -> None:
    admin = await new_admin(api, platform)
    reply = await api.post(f"{API}/companies/{MISSING}/approve", headers=admin.auth)
    assert reply.status_code == 404
    assert (await api.get(f"{API}/companies/{MISSING}", headers=admin.auth)).status_code == 404
    assert (await api.get(f"{API}/companies/not-a-uuid", headers=admin.auth)).status_code == 422


async def test_rejection_records_the_reason_and_frees_the_number(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    user, admin = await new_user(api), await new_admin(api, platform)
    company_id = await apply(api, user.auth)
    reply = await api.post(
        f"{API}/companies/{company_id}/reject", headers=admin.auth, json={"reason": "서류 미비"}
    )
    assert reply.status_code == 200
    assert (reply.json()["status"], reply.json()["reason"]) == ("rejected", "서류 미비")
    [event] = await events(platform, "CompanyRejected")
    assert event["reason"] == "서류 미비" and event["owner_id"] == user.id
    await apply(api, user.auth)  # may apply again, with the same number
    me = (await log_in(api, user.email))["access_token"]
    assert unverified_claims(me)["roles"] == ["customer"]


async def test_reject_needs_a_reason(api: httpx.AsyncClient, platform: Platform) -> None:
    user, admin = await new_user(api), await new_admin(api, platform)
    company_id = await apply(api, user.auth)
    for body in ({}, {"reason": ""}, {"reason": "x" * 501}):
        reply = await api.post(
            f"{API}/companies/{company_id}/reject", headers=admin.auth, json=body
        )
        assert reply.status_code == 422


async def test_owners_see_their_own_and_admins_see_all(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    alice, bob = await new_user(api), await new_user(api)
    admin = await new_admin(api, platform)
    alice_company, bob_company = await apply(api, alice.auth), await apply(api, bob.auth, OTHER_BRN)
    await api.post(f"{API}/companies/{bob_company}/approve", headers=admin.auth)
    mine = (await api.get(f"{API}/companies", headers=alice.auth)).json()["items"]
    assert [c["id"] for c in mine] == [alice_company]
    hidden = await api.get(f"{API}/companies/{bob_company}", headers=alice.auth)
    assert hidden.status_code == 404
    everything = (await api.get(f"{API}/companies", headers=admin.auth)).json()["items"]
    assert {c["id"] for c in everything} == {alice_company, bob_company}
    pending = await api.get(f"{API}/companies", headers=admin.auth, params={"status": "pending"})
    assert [c["id"] for c in pending.json()["items"]] == [alice_company]
    seen = await api.get(f"{API}/companies/{alice_company}", headers=admin.auth)
    assert seen.status_code == 200


@pytest.mark.parametrize(
    "params", [{"status": "weird"}, {"limit": "0"}, {"limit": "101"}, {"offset": "-1"}]
)
async def test_bad_list_parameters_are_422(api: httpx.AsyncClient, params: dict[str, str]) -> None:
    user = await new_user(api)
    reply = await api.get(f"{API}/companies", headers=user.auth, params=params)
    assert reply.status_code == 422


async def test_pages_are_bounded(api: httpx.AsyncClient, platform: Platform) -> None:
    admin = await new_admin(api, platform)
    for number in (BRN, OTHER_BRN):
        await apply(api, (await new_user(api)).auth, number)
    page = await api.get(f"{API}/companies", headers=admin.auth, params={"limit": 1})
    assert len(page.json()["items"]) == 1 and page.json()["limit"] == 1
    rest = await api.get(f"{API}/companies", headers=admin.auth, params={"offset": 1})
    assert len(rest.json()["items"]) == 1
