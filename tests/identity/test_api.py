"""Identity through the public API (gateway → identity, embedded): sign-up and sessions."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.identity.support import (
    API,
    PASSWORD,
    PROBLEM,
    log_in,
    new_user,
    sign_up,
    unverified_claims,
)

# -- sign-up --------------------------------------------------------------------------------


async def test_sign_up_creates_an_unverified_customer(api: httpx.AsyncClient) -> None:
    reply = await api.post(
        f"{API}/signup",
        json={"email": "Kim.MinJi@Example.COM", "password": PASSWORD, "name": " 김민지 "},
    )
    assert reply.status_code == 201
    body = reply.json()
    assert body["email"] == "kim.minji@example.com" and body["name"] == "김민지"
    assert body["roles"] == ["customer"] and body["email_verified"] is False
    assert body["locale"] == "ko" and body["default_address"] is None


async def test_a_taken_email_is_a_409_whatever_its_case(api: httpx.AsyncClient) -> None:
    await sign_up(api, "taken@example.com")
    reply = await api.post(
        f"{API}/signup",
        json={"email": "TAKEN@example.com", "password": PASSWORD, "name": "다른 사람"},
    )
    assert reply.status_code == 409 and reply.headers["content-type"] == PROBLEM
    assert reply.json()["type"].endswith("/email-taken")


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": PASSWORD, "name": "a"},
        {"email": "a@example.com", "password": "short", "name": "a"},
        {"email": "a@example.com", "password": "x" * 129, "name": "a"},
        {"email": "a@example.com", "password": PASSWORD, "name": ""},
        {"email": "a@example.com", "password": PASSWORD, "name": "가" * 51},
        {"email": "a@example.com", "password": PASSWORD, "name": "a", "role": "admin"},
        {"email": "a@example.com", "password": PASSWORD},
    ],
)
async def test_bad_sign_up_input_is_a_422_problem(
    api: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    reply = await api.post(f"{API}/signup", json=body)
    assert reply.status_code == 422 and reply.headers["content-type"] == PROBLEM


async def test_malformed_json_is_a_400_problem(api: httpx.AsyncClient) -> None:
    reply = await api.post(
        f"{API}/signup", content=b'{"email": ', headers={"content-type": "application/json"}
    )
    assert reply.status_code == 400 and reply.headers["content-type"] == PROBLEM


# -- login, refresh, logout -----------------------------------------------------------------


async def test_login_returns_bearer_tokens_for_the_account(api: httpx.AsyncClient) -> None:
    profile = await sign_up(api)
    tokens = await log_in(api, profile["email"].upper())
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900
    claims = unverified_claims(tokens["access_token"])
    assert claims["sub"] == profile["id"] and claims["roles"] == ["customer"]
    assert claims["exp"] - claims["iat"] == 900 and claims["jti"]
    assert (claims["iss"], claims["aud"]) == ("stampede", "stampede-api")
    me = await api.get(f"{API}/me", headers={"authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200 and me.json() == profile


async def test_me_needs_a_token(api: httpx.AsyncClient) -> None:
    reply = await api.get(f"{API}/me")
    assert reply.status_code == 401 and reply.headers["content-type"] == PROBLEM


async def test_wrong_password_and_unknown_email_get_the_same_401(api: httpx.AsyncClient) -> None:
    profile = await sign_up(api)
    wrong = await api.post(f"{API}/login", json={"email": profile["email"], "password": "nope!"})
    unknown = await api.post(
        f"{API}/login", json={"email": "ghost@example.com", "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == "invalid credentials"


async def test_five_failures_lock_the_account_for_fifteen_minutes(api: httpx.AsyncClient) -> None:
    profile = await sign_up(api)
    bad = {"email": profile["email"], "password": "wrong-password"}
    codes = [(await api.post(f"{API}/login", json=bad)).status_code for _ in range(5)]
    assert codes == [401] * 5
    locked = await api.post(f"{API}/login", json={"email": profile["email"], "password": PASSWORD})
    assert locked.status_code == 429 and locked.headers["content-type"] == PROBLEM
    assert 0 < int(locked.headers["retry-after"]) <= 900
    other = await sign_up(api)
    assert (
        await api.post(f"{API}/login", json={"email": other["email"], "password": PASSWORD})
    ).status_code == 200


async def test_a_success_clears_the_account_failures(api: httpx.AsyncClient) -> None:
    profile = await sign_up(api)
    bad = {"email": profile["email"], "password": "wrong-password"}
    for _ in range(4):
        assert (await api.post(f"{API}/login", json=bad)).status_code == 401
    await log_in(api, profile["email"])
    codes = [(await api.post(f"{API}/login", json=bad)).status_code for _ in range(4)]
    assert codes == [401] * 4


async def test_twenty_failures_from_one_ip_block_it(api: httpx.AsyncClient) -> None:
    profile = await sign_up(api)
    for n in range(20):
        reply = await api.post(
            f"{API}/login", json={"email": f"nobody{n}@example.com", "password": "wrong-password"}
        )
        assert reply.status_code == 401
    blocked = await api.post(f"{API}/login", json={"email": profile["email"], "password": PASSWORD})
    assert blocked.status_code == 429


async def test_refresh_rotates_within_the_family(api: httpx.AsyncClient) -> None:
    user = await new_user(api)
    reply = await api.post(f"{API}/refresh", json={"refresh_token": user.refresh})
    assert reply.status_code == 200
    fresh = reply.json()
    assert fresh["refresh_token"] != user.refresh and fresh["token_type"] == "Bearer"
    me = await api.get(f"{API}/me", headers={"authorization": f"Bearer {fresh['access_token']}"})
    assert me.json()["id"] == user.id
    again = await api.post(f"{API}/refresh", json={"refresh_token": fresh["refresh_token"]})
    assert again.status_code == 200


async def test_reusing_a_refresh_token_revokes_the_family(api: httpx.AsyncClient) -> None:
    user = await new_user(api)
    newest = (await api.post(f"{API}/refresh", json={"refresh_token": user.refresh})).json()
    reuse = await api.post(f"{API}/refresh", json={"refresh_token": user.refresh})
    assert reuse.status_code == 401 and reuse.json()["type"].endswith("/refresh-token-reused")
    after = await api.post(f"{API}/refresh", json={"refresh_token": newest["refresh_token"]})
    assert after.status_code == 401


async def test_other_sessions_survive_a_revoked_family(api: httpx.AsyncClient) -> None:
    user = await new_user(api)
    other = await log_in(api, user.email)
    await api.post(f"{API}/refresh", json={"refresh_token": user.refresh})
    await api.post(f"{API}/refresh", json={"refresh_token": user.refresh})
    reply = await api.post(f"{API}/refresh", json={"refresh_token": other["refresh_token"]})
    assert reply.status_code == 200


@pytest.mark.parametrize(
    "token", ["garbage", "not-a-uuid.secret", "6f1c0e8e-8a4b-4c61-9d55-2f1f7d2a9b10.secret"]
)
async def test_unknown_refresh_tokens_are_401(api: httpx.AsyncClient, token: str) -> None:
    reply = await api.post(f"{API}/refresh", json={"refresh_token": token})
    assert reply.status_code == 401 and reply.headers["content-type"] == PROBLEM


async def test_a_right_id_with_a_wrong_secret_is_401(api: httpx.AsyncClient) -> None:
    user = await new_user(api)
    forged = user.refresh.split(".")[0] + ".wrong-secret"
    assert (await api.post(f"{API}/refresh", json={"refresh_token": forged})).status_code == 401
    reply = await api.post(f"{API}/refresh", json={"refresh_token": user.refresh})
    assert reply.status_code == 200


async def test_logout_revokes_the_session(api: httpx.AsyncClient) -> None:
    user = await new_user(api)
    newest = (await api.post(f"{API}/refresh", json={"refresh_token": user.refresh})).json()
    reply = await api.post(f"{API}/logout", json={"refresh_token": newest["refresh_token"]})
    assert reply.status_code == 204 and reply.content == b""
    after = await api.post(f"{API}/refresh", json={"refresh_token": newest["refresh_token"]})
    assert after.status_code == 401
    again = await api.post(f"{API}/logout", json={"refresh_token": newest["refresh_token"]})
    assert again.status_code == 204
