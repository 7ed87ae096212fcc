"""A car's next weeks as a calendar: which days are booked, which have passed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any


@dataclass(frozen=True, slots=True)
class CalendarDay:
    day: date
    booked: bool
    past: bool
    label: str  # the day of the month; month/day on the first day shown and on each 1st


def periods_of(booked: list[dict[str, Any]]) -> list[tuple[date, date]]:
    """Sales' booked periods (``from`` pick-up day, ``until`` return day) as dates."""
    return [(date.fromisoformat(p["from"]), date.fromisoformat(p["until"])) for p in booked]


def weeks_ahead(
    today: date, booked: list[tuple[date, date]], weeks: int = 5
) -> list[list[CalendarDay]]:
    """``weeks`` rows of seven days, Sunday first, from the week holding ``today``. A day is
    booked when a period covers it; a return day is not (the car is back for the next pick-up)."""
    start = today - timedelta(days=(today.weekday() + 1) % 7)
    days = [start + timedelta(days=n) for n in range(weeks * 7)]
    marked = [
        CalendarDay(
            d,
            any(first <= d < until for first, until in booked),
            d < today,
            f"{d.month}/{d.day}" if d.day == 1 or d == start else str(d.day),
        )
        for d in days
    ]
    return [marked[n : n + 7] for n in range(0, len(marked), 7)]
