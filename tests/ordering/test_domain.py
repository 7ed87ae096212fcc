"""Ordering's rules without I/O: how statuses may move, what an order costs, saga backoff."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from stampede.ordering.domain.orders import Order, PriceList, amount_due, rental_days
from stampede.ordering.domain.saga import BACKOFF_MAX_S, BACKOFF_S, next_try

NOW = datetime(2026, 3, 11, 1, 0, tzinfo=UTC)


def _order(status: str) -> Order:
    return Order(
        order_id="o",
        user_id="u",
        seller_id="s",
        company_id="c",
        listing_id="l",
        listing_kind="deal",
        kind="stock",
        title="t",
        hold_id="h",
        amount=1000,
        status=status,
        payment_due_at=NOW,
        created_at=NOW,
    )


@pytest.mark.parametrize(
    ("start", "to", "allowed"),
    [
        ("PENDING_PAYMENT", "PAID", True),
        ("PAID", "PENDING_PAYMENT", False),
        ("PAID", "CONFIRMED", True),
        ("CONFIRMED", "SHIPPED", True),
        ("SHIPPED", "COMPLETED", True),
        ("SHIPPED", "RENTED", False),
        ("PENDING_PAYMENT", "CANCELLED", True),
        ("CONFIRMED", "CANCELLED", True),
        ("SHIPPED", "CANCELLED", False),
        ("RENTED", "CANCELLED", False),
        ("COMPLETED", "CANCELLED", False),
        ("CANCELLED", "PAID", False),
        ("CANCELLED", "CANCELLED", False),
    ],
)
def test_statuses_only_move_forward_and_cancel_only_before_the_goods_leave(
    start: str, to: str, allowed: bool
) -> None:
    assert _order(start).may_become(to) is allowed


def test_each_kind_is_priced_from_what_is_held() -> None:
    prices = PriceList(
        price=9900, daily_rate=50000, seat_prices={"a": 70000, "b": 50000}, shop_price=1200000
    )
    assert amount_due("stock", prices, {"quantity": 3}) == 29700
    assert amount_due("seats", prices, {"seat_ids": ["a", "b"]}) == 120000
    assert amount_due("unit", prices, {}) == 1200000
    held = {"start_date": date(2026, 3, 12), "end_date": date(2026, 3, 15)}
    assert amount_due("dates", prices, held) == 150000


def test_an_unknown_price_is_none_not_zero() -> None:
    assert amount_due("seats", PriceList(seat_prices={"a": 1}), {"seat_ids": ["a", "x"]}) is None
    assert (
        amount_due(
            "dates", PriceList(), {"start_date": date(2026, 1, 1), "end_date": date(2026, 1, 2)}
        )
        is None
    )
    assert amount_due("stock", PriceList(), {"quantity": 1}) is None
    assert amount_due("unit", PriceList(price=5), {}) == 5


def test_a_rental_bills_at_least_one_day() -> None:
    assert rental_days(date(2026, 1, 1), date(2026, 1, 1)) == 1
    assert rental_days(date(2026, 1, 1), date(2026, 1, 4)) == 3


def test_retries_back_off_exponentially_up_to_a_cap() -> None:
    waits = [(next_try(NOW, n) - NOW).total_seconds() for n in (1, 2, 3)]
    assert waits == [BACKOFF_S, BACKOFF_S * 2, BACKOFF_S * 4]
    assert next_try(NOW, 50) - NOW == timedelta(seconds=BACKOFF_MAX_S)
