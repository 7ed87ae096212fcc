"""How numbers, money and times read on a page: won with thousands separators, times in Korea
Standard Time (the platform's shoppers and sellers are in Korea), statuses in words."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from stampede.web.domain.i18n import translate

KST = timezone(timedelta(hours=9), "KST")


def won(lang: str, amount: int | float | str | None) -> str:
    if amount is None or amount == "":
        return ""
    return translate(lang, "money.won", amount=f"{int(float(amount)):,}")


def parse_time(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def when(value: str | datetime | None) -> str:
    """``2026-12-02 22:31`` in KST; empty for no time."""
    moment = parse_time(value)
    return moment.astimezone(KST).strftime("%Y-%m-%d %H:%M") if moment else ""


def day(value: str | date | None) -> str:
    if value is None or value == "":
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


def status(lang: str, name: str | None) -> str:
    if not name:
        return ""
    key = f"status.{name}"
    text = translate(lang, key)
    return name.replace("_", " ").title() if text == key else text
