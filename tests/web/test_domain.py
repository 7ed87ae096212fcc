"""The web context's pure rules: language choice, money and times, CSRF tokens, token claims,
local redirects and a car's calendar."""

from __future__ import annotations

import base64
import json
import time
from datetime import date

import pytest

from stampede.web.api.pages import local
from stampede.web.domain import csrf
from stampede.web.domain.calendar import periods_of, weeks_ahead
from stampede.web.domain.claims import read_claims
from stampede.web.domain.format import status, when, won
from stampede.web.domain.i18n import pick_language, translate


@pytest.mark.parametrize(
    ("chosen", "header", "expected"),
    [
        (None, "", "ko"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "fr-FR,en;q=0.5,ko;q=0.8", "ko"),
        (None, "fr-FR,de;q=0.5", "ko"),
        (None, "en;q=0, ko;q=0.1", "ko"),
        ("en", "ko-KR", "en"),
        ("xx", "en", "en"),
    ],
)
def test_language_is_the_choice_then_the_browser_then_korean(
    chosen: str | None, header: str, expected: str
) -> None:
    assert pick_language(chosen, header) == expected


def test_words_fill_their_placeholders() -> None:
    assert translate("ko", "nav.hello", name="민지") == "민지님"
    assert translate("en", "nav.hello", name="Minji") == "Hi, Minji"
    assert translate("en", "no.such.key") == "no.such.key"


def test_money_and_times_read_as_in_korea() -> None:
    assert won("ko", 1234500) == "1,234,500원"
    assert won("en", "990") == "₩990"
    assert when("2026-12-02T13:31:00+00:00") == "2026-12-02 22:31"
    assert when("2026-12-02T13:31:00") == "2026-12-02 22:31"  # no zone means UTC
    assert status("ko", "PAID") == "결제 완료" and status("en", "SOME_NEW") == "Some New"


def test_csrf_tokens_match_only_themselves() -> None:
    token = csrf.new_token()
    assert csrf.matches(token, token)
    assert not csrf.matches(token, token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert not csrf.matches(token, "") and not csrf.matches(None, token)
    assert csrf.new_token() != token


def _token(claims: dict[str, object]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"e30.{body}.sig"


def test_claims_name_the_visitor_and_their_roles() -> None:
    visitor = read_claims(_token({"sub": "u1", "roles": ["business"], "exp": time.time() + 60}))
    assert visitor is not None and visitor.user_id == "u1" and visitor.has("business")
    assert not visitor.expired()
    assert read_claims("not-a-token") is None
    assert read_claims(_token({"roles": []})) is None
    assert read_claims(None) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/my/inbox?x=1", "/my/inbox?x=1"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_redirects_stay_on_this_site(url: str | None, expected: str) -> None:
    assert local(url) == expected


def test_a_calendar_marks_booked_and_past_days_from_this_sunday() -> None:
    booked = periods_of([{"from": "2026-12-08", "until": "2026-12-11"}])
    weeks = weeks_ahead(date(2026, 12, 4), booked, weeks=5)  # a Friday
    days = [d for week in weeks for d in week]
    assert len(weeks) == 5 and all(len(week) == 7 for week in weeks)
    assert days[0].day == date(2026, 11, 29) and days[0].label == "11/29"  # the Sunday before
    assert [d.day.day for d in days if d.booked] == [8, 9, 10]  # back on the 11th: free again
    assert [d.day.day for d in days if d.past] == [29, 30, 1, 2, 3]
    assert [d.label for d in days if "/" in d.label] == ["11/29", "12/1", "1/1"]
