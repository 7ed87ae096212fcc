"""Identity's pure rules: registration numbers, account policy, tokens, keys, mail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stampede.identity.domain import accounts, companies, keys, tokens
from stampede.identity.domain.demo import DEMO_ACCOUNTS
from stampede.kernel.errors import Conflict, Unprocessable

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SECRET = "a-test-secret-of-some-length"


# -- business registration numbers ----------------------------------------------------------


@pytest.mark.parametrize("number", ["124-81-00998", "2208162517", "220 81 62517"])
def test_real_registration_numbers_are_accepted(number: str) -> None:
    assert companies.normalize_brn(number) == number.replace("-", "").replace(" ", "")


@pytest.mark.parametrize(
    "number", ["124-81-00997", "123456789", "12345678901", "12345abcde", "１２４８１００９９８", ""]
)
def test_wrong_registration_numbers_are_refused(number: str) -> None:
    with pytest.raises(Unprocessable) as caught:
        companies.normalize_brn(number)
    assert caught.value.slug == "invalid-registration-number"


def test_the_check_digit_follows_the_official_rule() -> None:
    # 1·1 + 2·3 + 4·7 + 8·1 + 1·3 + 0·7 + 0·1 + 9·3 + 9·5 = 118; + ⌊9·5/10⌋ = 122 → 10 - 2 = 8
    assert companies.brn_check_digit("124810099") == 8
    # 2·1 + 2·3 + 0·7 + 8·1 + 1·3 + 6·7 + 2·1 + 5·3 + 1·5 = 83; + ⌊1·5/10⌋ = 83 → 10 - 3 = 7
    assert companies.brn_check_digit("220816251") == 7


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(1, 9))
def test_exactly_one_check_digit_fits(first_nine: str, shift: int) -> None:
    check = companies.brn_check_digit(first_nine)
    assert companies.normalize_brn(first_nine + str(check)) == first_nine + str(check)
    with pytest.raises(Unprocessable):
        companies.normalize_brn(first_nine + str((check + shift) % 10))


def test_registration_numbers_print_with_dashes() -> None:
    assert companies.format_brn("1248100998") == "124-81-00998"


def test_only_pending_applications_can_be_decided() -> None:
    assert companies.decide("pending", "approved") == "approved"
    assert companies.decide("pending", "rejected") == "rejected"
    for done in ("approved", "rejected"):
        with pytest.raises(Conflict):
            companies.decide(done, "approved")


# -- accounts -------------------------------------------------------------------------------


def test_emails_are_checked_and_lowercased() -> None:
    assert accounts.normalize_email("  Kim.MinJi@Example.COM ") == "kim.minji@example.com"
    for bad in ("no-at-sign", "a@b", "a@@example.com", "admin@stampede.local", "x" * 250 + "@a.kr"):
        with pytest.raises(Unprocessable):
            accounts.normalize_email(bad)


def test_operators_may_use_internal_domains() -> None:
    assert accounts.normalize_trusted_email("Admin@Stampede.Local") == "admin@stampede.local"
    for bad in ("admin", "admin@local", "a b@stampede.local", "a@" + "x" * 260 + ".kr"):
        with pytest.raises(Unprocessable):
            accounts.normalize_trusted_email(bad)


@pytest.mark.parametrize(
    ("password", "ok"), [("x" * 7, False), ("x" * 8, True), ("x" * 128, True), ("x" * 129, False)]
)
def test_passwords_have_8_to_128_characters(password: str, ok: bool) -> None:
    if ok:
        assert accounts.check_password(password) == password
    else:
        with pytest.raises(Unprocessable):
            accounts.check_password(password)


def test_names_are_trimmed_and_bounded() -> None:
    assert accounts.check_name("  김민지 ") == "김민지"
    for bad in ("", "   ", "가" * 51):
        with pytest.raises(Unprocessable):
            accounts.check_name(bad)


def test_roles_are_added_once_in_canonical_order() -> None:
    assert accounts.with_role(["admin", "customer"], "business") == [
        "customer",
        "business",
        "admin",
    ]
    assert accounts.with_role(["customer"], "customer") == ["customer"]


def test_password_hashes_are_argon2id_and_verify() -> None:
    hashed = accounts.hash_password("correct-horse")
    assert hashed.startswith("$argon2id$")
    assert accounts.verify_password(hashed, "correct-horse")
    assert not accounts.verify_password(hashed, "wrong-horse")
    assert not accounts.verify_password("not-a-hash", "correct-horse")
    assert not accounts.needs_rehash(hashed)


def test_an_unknown_account_never_verifies() -> None:
    assert not accounts.verify_password_or_dummy(None, "no-such-account-dummy-password")
    assert accounts.verify_password_or_dummy(accounts.hash_password("pw-123456"), "pw-123456")


def test_login_counters_are_per_account_and_per_ip() -> None:
    limits = accounts.LoginLimits()
    assert (limits.per_account, limits.per_ip, limits.window_s) == (5, 20, 900)
    assert limits.account_key("a@example.com") != limits.account_key("b@example.com")
    assert "a@example.com" not in limits.account_key("a@example.com")
    assert limits.ip_key("10.0.0.1").endswith("10.0.0.1")


# -- tokens ---------------------------------------------------------------------------------


def test_refresh_tokens_round_trip_and_reject_garbage() -> None:
    token = tokens.RefreshToken.new()
    assert tokens.RefreshToken.parse(str(token)) == token
    for bad in ("", "abc", "abc.def", f"{token.id}.", f"{token.id}", ".secret"):
        assert tokens.RefreshToken.parse(bad) is None


def test_secrets_are_stored_as_digests() -> None:
    secret = tokens.new_secret()
    assert len(secret) >= 40 and tokens.new_secret() != secret
    stored = tokens.digest(secret)
    assert secret not in stored and tokens.matches(secret, stored)
    assert not tokens.matches(secret + "x", stored)


@pytest.mark.parametrize(
    ("used", "revoked", "expires", "verdict"),
    [
        (None, None, NOW + timedelta(days=1), "valid"),
        (None, None, NOW, "expired"),
        (NOW, None, NOW + timedelta(days=1), "reused"),
        (None, NOW, NOW + timedelta(days=1), "reused"),
        (NOW, None, NOW - timedelta(days=1), "reused"),
    ],
)
def test_refresh_rotation_rules(
    used: datetime | None, revoked: datetime | None, expires: datetime, verdict: str
) -> None:
    assert tokens.refresh_verdict(used, revoked, expires, NOW) == verdict


def test_verification_tokens_work_once_before_expiry() -> None:
    expires = NOW + tokens.VERIFICATION_TTL
    assert timedelta(hours=24) == tokens.VERIFICATION_TTL
    assert tokens.verification_usable(None, expires, NOW)
    assert not tokens.verification_usable(NOW, expires, NOW)
    assert not tokens.verification_usable(None, expires, expires)


def test_access_claims() -> None:
    claims = tokens.access_claims(
        "u1", ["customer"], issuer="iss", audience="aud", now=NOW, ttl_s=900
    )
    iat = int(NOW.timestamp())
    assert (claims["iat"], claims["exp"]) == (iat, iat + 900)
    assert (claims["iss"], claims["aud"], claims["sub"], claims["roles"]) == (
        "iss",
        "aud",
        "u1",
        ["customer"],
    )
    again = tokens.access_claims("u1", [], issuer="iss", audience="aud", now=NOW, ttl_s=900)
    assert again["jti"] != claims["jti"]


# -- signing keys ---------------------------------------------------------------------------


def test_a_stored_key_unlocks_only_with_its_secret_and_signs_verifiably() -> None:
    stored = keys.generate(NOW, SECRET)
    assert "ENCRYPTED" in stored.private_pem and stored.public_jwk["kid"] == stored.kid
    key = keys.unlock(stored.private_pem, stored.kid, SECRET)
    token = key.sign({"sub": "u1"})
    assert jwt.get_unverified_header(token)["kid"] == stored.kid
    public = jwt.PyJWK(stored.public_jwk).key
    assert jwt.decode(token, public, algorithms=["RS256"])["sub"] == "u1"
    with pytest.raises(ValueError):
        keys.unlock(stored.private_pem, stored.kid, "another-secret-entirely")


def test_kids_are_unique_and_sort_by_time() -> None:
    assert keys.new_kid(NOW) != keys.new_kid(NOW)
    assert keys.new_kid(NOW) < keys.new_kid(NOW + timedelta(seconds=1))


def test_retired_keys_are_published_while_their_tokens_may_live() -> None:
    since = keys.published_since(NOW, 900)
    assert since == NOW - timedelta(seconds=900 + keys.CACHE_S)


# -- demo --------------------------------------------------------------------------


def test_demo_accounts_are_valid_and_marked() -> None:
    for demo in DEMO_ACCOUNTS:
        assert demo.password.startswith("demo-")
        accounts.check_password(demo.password)
        if demo.company is not None:
            application = demo.company.application
            assert application.checked() == application
    labels = [demo.label for demo in DEMO_ACCOUNTS]
    assert (labels.count("admin"), labels.count("business"), labels.count("customer")) == (1, 2, 3)


def test_applications_are_normalised() -> None:
    raw = companies.Application(" 상점 ", "124-81-00998", "Shop@Example.com", " 02-555-0101 ")
    assert raw.checked() == companies.Application(
        "상점", "1248100998", "shop@example.com", "02-555-0101"
    )
    with pytest.raises(Unprocessable):
        companies.Application("상점", "124-81-00998", "not-mail", "02-555-0101").checked()
