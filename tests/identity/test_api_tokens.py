"""Access tokens: the JWKS verifies them, rotation overlaps, forged tokens are refused."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from stampede.compose import Platform
from stampede.identity import handlers
from tests.identity.support import (
    API,
    PROBLEM,
    User,
    bearer,
    hs256_with,
    identity,
    new_user,
    raw_jwt,
    unverified_claims,
)

JWKS = "/.well-known/jwks.json"


async def jwks_keys(api: httpx.AsyncClient) -> dict[str, jwt.PyJWK]:
    reply = await api.get(JWKS)
    assert reply.status_code == 200
    return {k["kid"]: jwt.PyJWK(k) for k in reply.json()["keys"]}


def verify(token: str, keys: dict[str, jwt.PyJWK]) -> dict[str, Any]:
    kid = jwt.get_unverified_header(token)["kid"]
    claims: dict[str, Any] = jwt.decode(
        token,
        keys[kid].key,
        algorithms=["RS256"],
        audience="stampede-api",
        issuer="stampede",
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )
    return claims


async def test_the_jwks_verifies_access_tokens(api: httpx.AsyncClient) -> None:
    user = await new_user(api)
    reply = await api.get(JWKS)
    assert reply.headers["cache-control"] == "public, max-age=60"
    [key] = reply.json()["keys"]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    assert "d" not in key and "p" not in key  # public half only
    assert verify(user.access, await jwks_keys(api))["sub"] == user.id


async def test_the_jwks_is_never_empty(api: httpx.AsyncClient) -> None:
    assert len((await api.get(JWKS)).json()["keys"]) == 1
    assert len((await api.get(JWKS)).json()["keys"]) == 1  # and the key is made once


async def login_kid(api: httpx.AsyncClient, user: User) -> tuple[str, str]:
    body = {"email": user.email, "password": user.password}
    token = (await api.post(f"{API}/login", json=body)).json()["access_token"]
    return jwt.get_unverified_header(token)["kid"], token


async def test_rotation_publishes_the_new_key_before_it_signs(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    user = await new_user(api)
    old_kid = jwt.get_unverified_header(user.access)["kid"]
    message = await handlers.rotate_keys(identity(platform))
    assert "1 older key(s) retire then" in message
    keys = await jwks_keys(api)
    assert old_kid in keys and len(keys) == 2
    assert (await login_kid(api, user))[0] == old_kid  # verifiers get time to fetch the new key


async def test_rotation_keeps_old_tokens_valid(api: httpx.AsyncClient, platform: Platform) -> None:
    user = await new_user(api)
    old_kid = jwt.get_unverified_header(user.access)["kid"]
    await handlers.rotate_keys(identity(platform), lead_s=0)
    keys = await jwks_keys(api)
    assert old_kid in keys and len(keys) == 2
    assert (await api.get(f"{API}/me", headers=user.auth)).status_code == 200
    new_kid, fresh = await login_kid(api, user)
    assert new_kid != old_kid and new_kid in keys
    assert verify(fresh, keys)["sub"] == user.id


# -- forged tokens --------------------------------------------------------------------------


def good_claims(user: User, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": "stampede",
        "aud": "stampede-api",
        "sub": user.id,
        "roles": ["admin"],
        "iat": now,
        "exp": now + 600,
        "jti": "forged",
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


async def real_key(platform: Platform) -> tuple[str, rsa.RSAPrivateKey]:
    key = await handlers.signing_key(identity(platform))
    return key.kid, key.private_key


def public_pem(private: rsa.RSAPrivateKey) -> bytes:
    return private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


Forge = Callable[[User, str, rsa.RSAPrivateKey], str]


def signed(**changes: Any) -> Forge:
    """Signed with identity's real key, but with changed (None: missing) claims."""
    return lambda user, kid, key: jwt.encode(
        good_claims(user, **changes), key, "RS256", headers={"kid": kid}
    )


def alg_none(user: User, kid: str, key: rsa.RSAPrivateKey) -> str:
    return raw_jwt({"alg": "none", "typ": "JWT", "kid": kid}, good_claims(user))


def hs256_with_public_key(user: User, kid: str, key: rsa.RSAPrivateKey) -> str:
    return raw_jwt(
        {"alg": "HS256", "typ": "JWT", "kid": kid}, good_claims(user), hs256_with(public_pem(key))
    )


def unknown_kid(user: User, kid: str, key: rsa.RSAPrivateKey) -> str:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(good_claims(user), stranger, "RS256", headers={"kid": "not-ours"})


def foreign_key_with_our_kid(user: User, kid: str, key: rsa.RSAPrivateKey) -> str:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(good_claims(user), stranger, "RS256", headers={"kid": kid})


def tampered_payload(user: User, kid: str, key: rsa.RSAPrivateKey) -> str:
    header, _, signature = jwt.encode(
        good_claims(user, roles=["customer"]), key, "RS256", headers={"kid": kid}
    ).split(".")
    payload = raw_jwt({}, good_claims(user)).split(".")[1]
    return f"{header}.{payload}.{signature}"


def no_kid(user: User, kid: str, key: rsa.RSAPrivateKey) -> str:
    return jwt.encode(good_claims(user), key, "RS256")


FORGERIES: dict[str, Forge] = {
    "alg none": alg_none,
    "HS256 with the public key": hs256_with_public_key,
    "unknown kid": unknown_kid,
    "foreign key under our kid": foreign_key_with_our_kid,
    "tampered payload": tampered_payload,
    "no kid": no_kid,
    "expired": signed(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600),
    "missing exp": signed(exp=None),
    "missing aud": signed(aud=None),
    "missing iss": signed(iss=None),
    "missing iat": signed(iat=None),
    "missing sub": signed(sub=None),
    "wrong aud": signed(aud="someone-else"),
    "wrong iss": signed(iss="evil"),
}


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
async def test_forged_tokens_are_401(
    api: httpx.AsyncClient, platform: Platform, forge: Forge
) -> None:
    user = await new_user(api)
    kid, key = await real_key(platform)
    control = jwt.encode(good_claims(user), key, "RS256", headers={"kid": kid})
    assert (await api.get(f"{API}/me", headers=bearer(control))).status_code == 200
    reply = await api.get(f"{API}/me", headers=bearer(forge(user, kid, key)))
    assert reply.status_code == 401 and reply.headers["content-type"] == PROBLEM


async def test_an_access_token_is_not_a_refresh_token(api: httpx.AsyncClient) -> None:
    user = await new_user(api)
    assert unverified_claims(user.access)["sub"] == user.id
    reply = await api.post(f"{API}/refresh", json={"refresh_token": user.access})
    assert reply.status_code == 422 and reply.headers["content-type"] == PROBLEM
    short = user.access[:200]
    reply = await api.post(f"{API}/refresh", json={"refresh_token": short})
    assert reply.status_code == 401 and "access_token" not in reply.text
