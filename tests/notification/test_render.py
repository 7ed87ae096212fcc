"""Message rendering: every kind in both locales, escaping, one-line subjects, strict params,
Korea time, won prices and status labels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from jinja2 import UndefinedError

from stampede.notification.domain.render import KINDS, SUBJECT_MAX, Rendered, render

AT = datetime(2026, 3, 11, 1, 0, tzinfo=UTC)  # 10:00 in Korea
LOCALES = ("ko", "en")
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
BASE: dict[str, dict[str, object]] = {
    "verify_email": {
        "name": "김민수",
        "link": "https://stampede.example/verify-email?token=abc",
        "expires_at": AT,
    },
    "booking_confirmed": {
        "name": "김민수",
        "title": "봄 콘서트 R석",
        "reference": "A1B2C3",
        "link": "https://stampede.example/orders/A1B2C3",
    },
    "status_changed": {
        "name": "김민수",
        "subject_kind": "delivery",
        "reference": "A1B2C3",
        "status": "SHIPPED",
        "link": "/orders/A1B2C3",
        "title": "무선 이어폰",
    },
    "deal_alert": {
        "name": "김민수",
        "title": "한정판 운동화",
        "opens_at": AT,
        "lead": "24h",
        "link": "https://stampede.example/deals/7",
    },
    "keyword_alert": {
        "name": "김민수",
        "keyword": "아이폰",
        "title": "아이폰 15 미개봉",
        "price": 12000,
        "link": "https://stampede.example/listings/9",
    },
}
OPTIONAL = {("status_changed", "title")}
REQUIRED = [(kind, key) for kind in KINDS for key in BASE[kind] if (kind, key) not in OPTIONAL]
TITLE_IN_SUBJECT = ["booking_confirmed", "deal_alert", "keyword_alert"]
BREAKS = "첫 줄\r\nBcc: victim@example.com\n\r\u2028끝\r"


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def params(kind: str) -> dict[str, object]:
    """A fresh copy of the kind's full parameter set, safe to change in a test."""
    return dict(BASE[kind])


def everything(rendered: Rendered) -> str:
    return "\n".join((rendered.subject, rendered.text, rendered.html))


# -- every kind, both locales -----------------------------------------------------------------


def test_there_are_five_kinds() -> None:
    assert set(KINDS) == set(BASE)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_kind_renders_in_both_locales(
    kind: str, locale: str, params: dict[str, object]
) -> None:
    rendered = render(kind, locale, **params)
    assert rendered.subject and rendered.text.strip() and rendered.html.strip()
    assert rendered.subject.startswith("[Stampede]")
    assert "\n" not in rendered.subject
    assert rendered.html.startswith("<!doctype html>")
    assert f'<html lang="{locale}">' in rendered.html
    assert "김민수" in rendered.text and "김민수" in rendered.html
    assert str(params["link"]) in rendered.text


@pytest.mark.parametrize("locale", LOCALES)
def test_the_layout_has_the_header_and_the_preferences_footer(
    kind: str, locale: str, params: dict[str, object]
) -> None:
    rendered = render(kind, locale, **params)
    assert "<header>" in rendered.html and "Stampede" in rendered.html
    footer = "알림 설정" if locale == "ko" else "Notification settings"
    assert footer in rendered.html.split("<footer>")[1]
    assert footer in rendered.text
    assert "style=" not in rendered.html and "<style" not in rendered.html


def test_korean_text_is_korean_and_english_text_is_english(
    kind: str, params: dict[str, object]
) -> None:
    assert "안녕하세요" in render(kind, "ko", **params).text
    assert "Hello" in render(kind, "en", **params).text


# -- escaping ---------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_user_text_cannot_inject_html(kind: str, locale: str, params: dict[str, object]) -> None:
    params["name"] = IMG
    for key in ("title", "keyword", "reference"):
        if key in params:
            params[key] = SCRIPT
    html = render(kind, locale, **params).html
    assert "<script" not in html and "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert '"&gt;' not in html and "&#34;&gt;" in html
    if kind != "verify_email":
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("locale", LOCALES)
def test_plain_text_keeps_user_text_as_written(locale: str) -> None:
    rendered = render("booking_confirmed", locale, **{**BASE["booking_confirmed"], "title": SCRIPT})
    assert SCRIPT in rendered.text


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", " javascript:alert(1)", "data:text/html,x"]
)
def test_a_link_that_is_not_http_is_refused(link: str) -> None:
    with pytest.raises(ValueError, match="refusing link"):
        render("booking_confirmed", "en", **{**BASE["booking_confirmed"], "link": link})


# -- subjects ---------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_line_breaks_in_user_text_do_not_break_the_subject(
    kind: str, locale: str, params: dict[str, object]
) -> None:
    for key in ("name", "title", "keyword", "reference"):
        if key in params:
            params[key] = BREAKS
    subject = render(kind, locale, **params).subject
    assert "\r" not in subject and "\n" not in subject and "\u2028" not in subject
    assert len(subject.splitlines()) == 1
    assert subject == subject.strip()


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", TITLE_IN_SUBJECT)
def test_a_title_with_line_breaks_stays_on_one_line(kind: str, locale: str) -> None:
    subject = render(kind, locale, **{**BASE[kind], "title": BREAKS}).subject
    assert "첫 줄 Bcc: victim@example.com 끝" in subject


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", TITLE_IN_SUBJECT)
def test_a_long_subject_is_cut_to_200_characters(kind: str, locale: str) -> None:
    subject = render(kind, locale, **{**BASE[kind], "title": "가" * 500}).subject
    assert len(subject) <= SUBJECT_MAX
    assert subject.endswith("…")


# -- strictness -------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("kind", "missing"), REQUIRED)
def test_a_missing_parameter_raises(kind: str, missing: str, locale: str) -> None:
    params = {key: value for key, value in BASE[kind].items() if key != missing}
    with pytest.raises(UndefinedError):
        render(kind, locale, **params)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_status_title_is_optional(locale: str) -> None:
    params = {key: value for key, value in BASE["status_changed"].items() if key != "title"}
    rendered = render("status_changed", locale, **params)
    assert "무선 이어폰" not in everything(rendered)
    assert ("상품" not in rendered.text) if locale == "ko" else ("Item" not in rendered.text)


def test_an_unknown_kind_raises() -> None:
    with pytest.raises(ValueError, match="unknown message kind"):
        render("newsletter", "ko", name="김민수")


@pytest.mark.parametrize("locale", ["fr", "", "KO", "ko-KR"])
def test_another_locale_falls_back_to_korean(
    kind: str, locale: str, params: dict[str, object]
) -> None:
    rendered = render(kind, locale, **params)
    assert rendered == render(kind, "ko", **params)
    assert '<html lang="ko">' in rendered.html


# -- formatting -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["verify_email", "deal_alert"])
@pytest.mark.parametrize(
    ("locale", "suffix"), [("ko", "2026-03-11 10:00 (한국 시간)"), ("en", "2026-03-11 10:00 KST")]
)
def test_times_are_shown_in_korea_time(kind: str, locale: str, suffix: str) -> None:
    rendered = render(kind, locale, **BASE[kind])
    assert suffix in rendered.text and suffix in rendered.html
    assert "01:00" not in everything(rendered)


def test_any_aware_time_is_converted_to_korea_time() -> None:
    new_york = datetime(2026, 3, 10, 20, 0, tzinfo=timezone(timedelta(hours=-5)))
    rendered = render("deal_alert", "en", **{**BASE["deal_alert"], "opens_at": new_york})
    assert "2026-03-11 10:00 KST" in rendered.text


def test_a_naive_time_is_refused() -> None:
    naive = datetime(2026, 3, 11, 1, 0)
    with pytest.raises(ValueError, match="naive"):
        render("verify_email", "ko", **{**BASE["verify_email"], "expires_at": naive})


@pytest.mark.parametrize(
    ("locale", "price", "shown"),
    [("ko", 12000, "12,000원"), ("en", 12000, "KRW 12,000"), ("ko", 1234567, "1,234,567원")],
)
def test_prices_are_shown_in_won(locale: str, price: int, shown: str) -> None:
    rendered = render("keyword_alert", locale, **{**BASE["keyword_alert"], "price": price})
    assert shown in rendered.text and shown in rendered.html


@pytest.mark.parametrize(
    ("locale", "lead", "shown"),
    [("ko", "24h", "24시간 후에"), ("ko", "1h", "1시간 후에"), ("en", "24h", "in 24 hours")]
    + [("en", "1h", "in 1 hour")],
)
def test_the_deal_lead_is_shown_in_words(locale: str, lead: str, shown: str) -> None:
    rendered = render("deal_alert", locale, **{**BASE["deal_alert"], "lead": lead})
    assert shown in rendered.subject and shown in rendered.text and shown in rendered.html


def test_an_unknown_deal_lead_is_refused() -> None:
    with pytest.raises(ValueError, match="lead"):
        render("deal_alert", "ko", **{**BASE["deal_alert"], "lead": "30m"})


@pytest.mark.parametrize(
    ("locale", "subject_kind", "status", "labels"),
    [
        ("ko", "delivery", "SHIPPED", ("배송", "배송 시작")),
        ("ko", "payment", "REFUNDED", ("결제", "환불 완료")),
        ("en", "order", "PENDING_PAYMENT", ("Order", "Awaiting payment")),
        ("en", "ticket", "CHECKED_IN", ("Ticket", "Checked in")),
    ],
)
def test_a_known_status_is_shown_as_a_label(
    locale: str, subject_kind: str, status: str, labels: tuple[str, str]
) -> None:
    params = {**BASE["status_changed"], "subject_kind": subject_kind, "status": status}
    rendered = render("status_changed", locale, **params)
    for label in labels:
        assert label in rendered.subject and label in rendered.text and label in rendered.html
    assert status not in everything(rendered)


@pytest.mark.parametrize("locale", LOCALES)
def test_an_unknown_status_is_shown_as_its_code(locale: str) -> None:
    rendered = render("status_changed", locale, **{**BASE["status_changed"], "status": "ON_HOLD"})
    assert "ON_HOLD" in rendered.subject and "ON_HOLD" in rendered.text
    assert "ON_HOLD" in rendered.html


@pytest.mark.parametrize("locale", LOCALES)
def test_an_unknown_status_code_is_escaped(locale: str) -> None:
    params = {**BASE["status_changed"], "status": "<b>ODD</b>"}
    rendered = render("status_changed", locale, **params)
    assert "<b>" not in rendered.html and "&lt;b&gt;ODD&lt;/b&gt;" in rendered.html


# -- order messages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "shown"),
    [
        (
            "ko",
            (
                "예매가 확정되었습니다",
                "좌석: R석 A1, R석 A2",
                "공연 일시: 2026-03-11 10:00 (한국 시간)",
            ),
        ),
        (
            "en",
            ("booking is confirmed", "Seats: R석 A1, R석 A2", "Performance: 2026-03-11 10:00 KST"),
        ),
    ],
)
def test_a_ticket_confirmation_lists_the_seats_and_the_session_time(
    locale: str, shown: tuple[str, str, str]
) -> None:
    params = {**BASE["booking_confirmed"], "seats": ["R석 A1", "R석 A2"], "session_starts_at": AT}
    rendered = render("booking_confirmed", locale, **params, amount=120000)
    assert shown[0] in rendered.subject
    for line in shown[1:]:
        assert line in rendered.text
    assert "120,000" in rendered.text


@pytest.mark.parametrize("locale", LOCALES)
def test_an_order_confirmation_shows_item_and_amount_without_seats(locale: str) -> None:
    rendered = render("booking_confirmed", locale, **BASE["booking_confirmed"], amount=45000)
    assert ("45,000원" if locale == "ko" else "KRW 45,000") in rendered.text
    assert "봄 콘서트 R석" in rendered.text
    assert ("좌석" if locale == "ko" else "Seats") not in rendered.text


@pytest.mark.parametrize("locale", LOCALES)
def test_seat_labels_cannot_inject_html(locale: str) -> None:
    params = {**BASE["booking_confirmed"], "seats": [SCRIPT], "session_starts_at": AT}
    html = render("booking_confirmed", locale, **params).html
    assert "<script" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("locale", "labels"),
    [("ko", ("대여 중", "사유: 고객 요청")), ("en", ("Rented", "Reason: at your request"))],
)
def test_every_order_status_has_a_label_and_a_cancellation_its_reason(
    locale: str, labels: tuple[str, str]
) -> None:
    for status in ("PENDING_PAYMENT", "PAID", "CONFIRMED", "SHIPPED", "RENTED", "COMPLETED"):
        params = {**BASE["status_changed"], "subject_kind": "order", "status": status}
        assert status not in render("status_changed", locale, **params).subject
    rented = {**BASE["status_changed"], "subject_kind": "order", "status": "RENTED"}
    assert labels[0] in render("status_changed", locale, **rented).subject
    cancelled = {**rented, "status": "CANCELLED", "reason": "customer"}
    assert labels[1] in render("status_changed", locale, **cancelled).text
    shipped = {**rented, "status": "SHIPPED", "reason": "shipped"}
    assert ("사유" if locale == "ko" else "Reason") not in render(
        "status_changed", locale, **shipped
    ).text
