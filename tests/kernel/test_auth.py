"""Token verification: RS256 only, required claims, and bounded JWKS refetching."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from stampede.kernel.auth import TokenVerifier
from stampede.kernel.errors import Unauthorized

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwks(kid: str) -> dict[str, Any]:
    jwk = json.loads(RSAAlgorithm.to_jwk(KEY.public_key()))
    return {"keys": [{**jwk, "kid": kid, "alg": "RS256", "use": "sig"}]}


def token(kid: str = "k1", **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": "iss",
        "aud": "aud",
        "sub": "u1",
        "roles": ["customer"],
        "iat": now,
        "exp": now + 60,
        **claims,
    }
    return jwt.encode(
        {k: v for k, v in body.items() if v is not None}, KEY, "RS256", headers={"kid": kid}
    )


class CountingJwks:
    def __init__(self, kid: str) -> None:
        self.kid, self.calls = kid, 0

    async def __call__(self) -> Mapping[str, Any]:
        self.calls += 1
        return jwks(self.kid)


async def test_a_valid_token_gives_the_principal() -> None:
    principal = await TokenVerifier(CountingJwks("k1"), "iss", "aud").verify(token())
    assert principal.user_id == "u1" and principal.has("customer")


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": None},
        {"aud": None},
        {"iss": None},
        {"iat": None},
        {"aud": "other"},
        {"exp": int(time.time()) - 120},
        {"roles": "admin"},
    ],
)
async def test_missing_or_wrong_claims_are_refused(claims: dict[str, Any]) -> None:
    with pytest.raises(Unauthorized):
        await TokenVerifier(CountingJwks("k1"), "iss", "aud").verify(token(**claims))


async def test_unknown_kids_refetch_the_jwks_at_most_once_per_interval() -> None:
    fetch = CountingJwks("k1")
    verifier = TokenVerifier(fetch, "iss", "aud", refetch_s=30)
    await verifier.verify(token())
    for _ in range(5):
        with pytest.raises(Unauthorized):
            await verifier.verify(token(kid="forged"))
    assert fetch.calls == 1


async def test_a_rotated_key_is_found_by_refetching_after_the_interval() -> None:
    fetch = CountingJwks("k1")
    verifier = TokenVerifier(fetch, "iss", "aud", refetch_s=0)
    await verifier.verify(token())
    fetch.kid = "k2"
    assert (await verifier.verify(token(kid="k2"))).user_id == "u1"
    assert fetch.calls == 2
