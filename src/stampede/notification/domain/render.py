"""Message texts: a subject, a plain-text body and an HTML body per kind, in Korean or English.

Templates live in ``templates/<kind>/<locale>.{subject.txt,txt,html}``; every HTML body extends
``templates/layout.html``. HTML is always autoescaped, so user-controlled text (names, titles,
keywords, status codes) never becomes markup; a missing parameter raises
``jinja2.UndefinedError`` instead of rendering a blank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

KINDS: tuple[str, ...] = (
    "verify_email", "booking_confirmed", "status_changed", "deal_alert", "keyword_alert",
)  # fmt: skip
LOCALES = ("ko", "en")
DEFAULT_LOCALE = "ko"
SUBJECT_MAX = 200
KST = timezone(timedelta(hours=9), "KST")

_OPTIONAL: dict[str, dict[str, object]] = {
    "status_changed": {"title": "", "reason": ""},
    "booking_confirmed": {
        "amount": None, "seats": [], "session_starts_at": None, "start_date": None,
        "end_date": None,
    },
}  # fmt: skip
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")
_TIME_SUFFIX = {"ko": "(한국 시간)", "en": "KST"}
_LEADS = {
    "ko": {"24h": "24시간 후에", "1h": "1시간 후에"},
    "en": {"24h": "in 24 hours", "1h": "in 1 hour"},
}
SUBJECT_LABELS = {
    "ko": {
        "order": "주문", "payment": "결제", "delivery": "배송", "rental": "대여", "ticket": "티켓",
    },
    "en": {
        "order": "Order", "payment": "Payment", "delivery": "Delivery", "rental": "Rental",
        "ticket": "Ticket",
    },
}  # fmt: skip
STATUS_LABELS = {
    "ko": {
        "PENDING_PAYMENT": "결제 대기", "PAID": "결제 완료", "CONFIRMED": "확정",
        "CANCELLED": "취소", "REFUNDED": "환불 완료", "SHIPPED": "배송 시작",
        "DELIVERED": "배송 완료", "PICKED_UP": "수령 완료", "RETURNED": "반납 완료",
        "ISSUED": "발급 완료", "CHECKED_IN": "입장 완료", "FAILED": "실패", "COMPLETED": "완료",
        "RENTED": "대여 중",
    },
    "en": {
        "PENDING_PAYMENT": "Awaiting payment", "PAID": "Paid", "CONFIRMED": "Confirmed",
        "CANCELLED": "Cancelled", "REFUNDED": "Refunded", "SHIPPED": "Shipped",
        "DELIVERED": "Delivered", "PICKED_UP": "Picked up", "RETURNED": "Returned",
        "ISSUED": "Issued", "CHECKED_IN": "Checked in", "FAILED": "Failed",
        "COMPLETED": "Completed", "RENTED": "Rented",
    },
}  # fmt: skip
REASON_LABELS = {
    "ko": {
        "customer": "고객 요청", "seller_refund": "판매자 환불", "payment_declined": "결제 거절",
        "payment_timeout": "결제 시간 초과", "payment_cancelled": "결제 취소",
        "payment_provider_error": "결제 오류",
    },
    "en": {
        "customer": "at your request", "seller_refund": "refunded by the seller",
        "payment_declined": "payment declined", "payment_timeout": "payment not made in time",
        "payment_cancelled": "payment cancelled", "payment_provider_error": "payment error",
    },
}  # fmt: skip


@dataclass(frozen=True)
class Rendered:
    """One message ready to send; ``subject`` is a single line of at most 200 characters."""

    subject: str
    text: str
    html: str


@pass_context
def kst(context: Context, value: datetime) -> str:
    """An aware datetime in Korea time, ``2026-03-11 10:00 KST``; naive ones raise ValueError."""
    if value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: pass an aware one")
    shown = value.astimezone(KST).strftime("%Y-%m-%d %H:%M")
    return f"{shown} {_TIME_SUFFIX[context['locale']]}"


@pass_context
def won(context: Context, value: int) -> str:
    """A price in won with thousands separators: ``12,000원`` (ko), ``KRW 12,000`` (en)."""
    amount = f"{int(value):,}"  # int() makes a missing price raise UndefinedError
    return f"{amount}원" if context["locale"] == "ko" else f"KRW {amount}"


@pass_context
def subject_label(context: Context, code: str) -> str:
    """What a status is about (order, payment, …) in the locale; an unknown code as itself."""
    return SUBJECT_LABELS[context["locale"]].get(code, code)


@pass_context
def status_label(context: Context, code: str) -> str:
    """A status code as a human label in the locale; an unknown code is shown as itself."""
    return STATUS_LABELS[context["locale"]].get(code, code)


@pass_context
def reason_label(context: Context, code: str) -> str:
    """Why a status changed, in words, for the reasons worth telling (a cancellation's);
    empty for any other reason (the status already says it)."""
    return REASON_LABELS[context["locale"]].get(code, "")


@pass_context
def lead_label(context: Context, lead: str) -> str:
    """How long until a deal opens ("24h", "1h") in words; any other lead raises ValueError."""
    try:
        return _LEADS[context["locale"]][lead]
    except KeyError:
        raise ValueError(f"unknown alert lead {lead!r}") from None


def href(link: str) -> str:
    """A link fit for ``href``: absolute http(s) or site-relative; anything else (``javascript:``,
    ``data:``) raises ValueError."""
    if not link.lower().startswith(("https://", "http://", "/")):
        raise ValueError(f"refusing link {link!r}: only http(s) or site-relative links")
    return link


def _environment(*, autoescape: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        kst=kst, won=won, subject_label=subject_label, status_label=status_label,
        reason_label=reason_label, lead_label=lead_label, href=href,
    )  # fmt: skip
    return env


_HTML = _environment(autoescape=True)
_TEXT = _environment(autoescape=False)


def one_line(subject: str) -> str:
    """Line breaks collapsed to one space (no header injection), stripped, cut to 200 chars."""
    flat = _LINE_BREAKS.sub(" ", subject).strip()
    return flat if len(flat) <= SUBJECT_MAX else flat[: SUBJECT_MAX - 1].rstrip() + "…"


def render(kind: str, locale: str, **params: object) -> Rendered:
    """The message ``kind`` for ``params`` in ``locale`` (anything but "ko"/"en" gives Korean).

    Raises ValueError for an unknown kind, ``jinja2.UndefinedError`` for a missing parameter,
    ValueError for a naive datetime, an unknown alert lead or a link neither http(s) nor
    site-relative.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}; known: {', '.join(KINDS)}")
    lang = locale if locale in LOCALES else DEFAULT_LOCALE
    context: dict[str, object] = {**_OPTIONAL.get(kind, {}), **params, "locale": lang}
    subject = one_line(_TEXT.get_template(f"{kind}/{lang}.subject.txt").render(context))
    text = _TEXT.get_template(f"{kind}/{lang}.txt").render(context)
    html = _HTML.get_template(f"{kind}/{lang}.html").render(context, mail_subject=subject)
    return Rendered(subject=subject, text=text, html=html)
