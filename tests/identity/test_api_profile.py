"""Identity through the public API: e-mail verification, the profile, who sees whom."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from stampede.compose import Platform
from stampede.identity import handlers
from tests.identity.support import (
    API,
    PROBLEM,
    events,
    log_in,
    mailed_tokens,
    new_admin,
    new_user,
    unverified_claims,
)

# -- e-mail verification and profile --------------------------------------------------------


async def test_verification_mail_verifies_the_address_once(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    user = await new_user(api)
    await platform.settle()
    [token] = mailed_tokens(platform)
    reply = await api.post(f"{API}/verify-email", json={"token": token})
    assert reply.status_code == 200 and reply.json() == {"email_verified": True}
    assert (await api.get(f"{API}/me", headers=user.auth)).json()["email_verified"] is True
    again = await api.post(f"{API}/verify-email", json={"token": token})
    assert again.status_code == 400 and again.headers["content-type"] == PROBLEM


async def test_the_mail_is_written_once_per_request(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    await new_user(api)
    await platform.settle()
    await platform.settle()
    assert len(mailed_tokens(platform)) == 1


async def test_resend_replaces_the_open_token(api: httpx.AsyncClient, platform: Platform) -> None:
    user = await new_user(api)
    reply = await api.post(f"{API}/verify-email/resend", headers=user.auth)
    assert reply.status_code == 202
    await platform.settle()
    first, second = mailed_tokens(platform)
    assert (await api.post(f"{API}/verify-email", json={"token": first})).status_code == 400
    assert (await api.post(f"{API}/verify-email", json={"token": second})).status_code == 200
    done = await api.post(f"{API}/verify-email/resend", headers=user.auth)
    assert done.status_code == 409


async def test_resend_needs_a_login_and_a_bad_token_is_400(api: httpx.AsyncClient) -> None:
    assert (await api.post(f"{API}/verify-email/resend")).status_code == 401
    reply = await api.post(f"{API}/verify-email", json={"token": "made-up-token"})
    assert reply.status_code == 400


async def test_patch_me_updates_the_given_fields(api: httpx.AsyncClient) -> None:
    user = await new_user(api)
    address = {
        "recipient": "김민지",
        "phone": "010-1234-5678",
        "postcode": "04524",
        "line1": "서울특별시 중구 세종대로 110",
        "line2": "3층",
    }
    reply = await api.patch(
        f"{API}/me", headers=user.auth, json={"locale": "en", "default_address": address}
    )
    assert reply.status_code == 200
    body = reply.json()
    assert body["locale"] == "en" and body["default_address"] == address
    assert body["name"] == "김민지"
    renamed = await api.patch(
        f"{API}/me", headers=user.auth, json={"name": "Minji", "default_address": None}
    )
    assert renamed.json()["name"] == "Minji" and renamed.json()["default_address"] is None
    assert (await api.get(f"{API}/me", headers=user.auth)).json() == renamed.json()


async def test_a_default_address_is_only_its_owners(api: httpx.AsyncClient) -> None:
    alice, bob = await new_user(api), await new_user(api)
    address = {"recipient": "A", "phone": "010-1111-2222", "postcode": "04524", "line1": "x"}
    reply = await api.patch(f"{API}/me", headers=alice.auth, json={"default_address": address})
    assert reply.json()["default_address"] == {**address, "line2": ""}
    assert (await api.get(f"{API}/me", headers=bob.auth)).json()["default_address"] is None
    hidden = await api.get(f"{API}/users/{alice.id}", headers=bob.auth)
    assert hidden.status_code == 404 and "010-1111-2222" not in hidden.text
    mine = await api.get(f"{API}/me", headers=alice.auth)
    assert mine.json()["default_address"] == {**address, "line2": ""}


@pytest.mark.parametrize(
    "body",
    [
        {"email": "new@example.com"},
        {"roles": ["admin"]},
        {"name": None},
        {"locale": "fr"},
        {"name": ""},
        {"default_address": {"recipient": "a", "phone": "x", "postcode": "1", "line1": "a"}},
        {
            "default_address": {
                "recipient": "a",
                "phone": "010-1234-5678",
                "postcode": "04524",
                "line1": "a",
                "extra": 1,
            }
        },
    ],
)
async def test_patch_me_rejects_unknown_or_bad_fields(
    api: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    user = await new_user(api)
    reply = await api.patch(f"{API}/me", headers=user.auth, json=body)
    assert reply.status_code == 422 and reply.headers["content-type"] == PROBLEM


async def test_profile_updates_are_published(api: httpx.AsyncClient, platform: Platform) -> None:
    user = await new_user(api)
    await api.patch(f"{API}/me", headers=user.auth, json={"locale": "en"})
    [event] = await events(platform, "ProfileUpdated")
    assert event == {"user_id": user.id, "name": "김민지", "locale": "en", "changed": ["locale"]}


async def test_users_see_only_themselves(api: httpx.AsyncClient, platform: Platform) -> None:
    alice, bob = await new_user(api), await new_user(api)
    assert (await api.get(f"{API}/users/{alice.id}", headers=alice.auth)).status_code == 200
    hidden = await api.get(f"{API}/users/{bob.id}", headers=alice.auth)
    assert hidden.status_code == 404 and bob.email not in hidden.text
    missing = await api.get(f"{API}/users/6f1c0e8e-8a4b-4c61-9d55-2f1f7d2a9b10", headers=alice.auth)
    assert missing.status_code == 404 and missing.json()["type"] == hidden.json()["type"]
    admin = await new_admin(api, platform)
    seen = await api.get(f"{API}/users/{bob.id}", headers=admin.auth)
    assert seen.status_code == 200 and seen.json()["email"] == bob.email


async def test_create_admin_promotes_an_existing_account(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    user = await new_user(api)
    runtime = platform.runtimes["identity"]
    message = await handlers.create_admin(runtime, email=user.email.upper(), password="ignored!")
    assert "existing" in message
    tokens = await log_in(api, user.email)
    assert unverified_claims(tokens["access_token"])["roles"] == ["customer", "admin"]
