"""The request body of a hold and how it becomes an :class:`~handlers.holds.Ask`.

Exactly one way of asking: ``quantity`` (a deal), ``seat_ids`` (a performance), ``unit_id``
and/or ``shop_id`` (a phone), ``start_date`` + ``end_date`` (a car). A body naming only the
listing asks for one piece of a deal or any unit of a phone. Bad combinations are a 422.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from stampede.kernel.errors import Unprocessable
from stampede.sales.domain.holds import MAX_QUANTITY, MAX_RENTAL_DAYS, MAX_SEATS, Kind, day_number
from stampede.sales.handlers.holds import Ask

Token = Annotated[str, StringConstraints(min_length=1, max_length=300)]
IdemKey = Annotated[str, StringConstraints(min_length=1, max_length=255)]


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    listing_id: uuid.UUID
    admission_token: Token | None = None
    quantity: int | None = Field(None, ge=1, le=MAX_QUANTITY)
    seat_ids: list[uuid.UUID] | None = Field(None, min_length=1, max_length=MAX_SEATS)
    unit_id: uuid.UUID | None = None
    shop_id: uuid.UUID | None = None
    start_date: date | None = None
    end_date: date | None = None

    @model_validator(mode="after")
    def _one_way(self) -> HoldIn:
        asked = [
            self.quantity is not None,
            self.seat_ids is not None,
            self.unit_id is not None or self.shop_id is not None,
            self.start_date is not None or self.end_date is not None,
        ]
        if sum(asked) > 1:
            raise ValueError("give one of quantity, seat_ids, unit_id/shop_id, start/end_date")
        if self.seat_ids is not None and len(set(self.seat_ids)) != len(self.seat_ids):
            raise ValueError("seat_ids repeat a seat")
        if asked[3]:
            _check_dates(self.start_date, self.end_date)
        return self

    def kind(self, fallback: Kind | None) -> Kind:
        if self.quantity is not None:
            return Kind.STOCK
        if self.seat_ids is not None:
            return Kind.SEATS
        if self.unit_id is not None or self.shop_id is not None:
            return Kind.UNIT
        if self.start_date is not None:
            return Kind.DATES
        if fallback in (Kind.STOCK, Kind.UNIT):
            return fallback
        raise Unprocessable(
            "say what to hold: seat_ids, or start_date and end_date", slug="hold-what"
        )

    def ask(self, fallback: Kind | None, idempotency_key: str | None) -> Ask:
        kind = self.kind(fallback)
        dates = (self.start_date, self.end_date)
        return Ask(
            listing_id=str(self.listing_id),
            kind=kind,
            quantity=(self.quantity or 1) if kind is Kind.STOCK else 0,
            seat_ids=tuple(str(s) for s in self.seat_ids or ()),
            unit_id=None if self.unit_id is None else str(self.unit_id),
            shop_id=None if self.shop_id is None else str(self.shop_id),
            first_day=day_number(dates[0]) if dates[0] else 0,
            end_day=day_number(dates[1]) if dates[1] else 0,
            admission_token=self.admission_token,
            idempotency_key=idempotency_key,
        )


def _check_dates(start: date | None, end: date | None) -> None:
    if start is None or end is None:
        raise ValueError("a rental needs both start_date and end_date")
    if not start < end:
        raise ValueError("end_date must be after start_date (the return day)")
    if (end - start).days > MAX_RENTAL_DAYS:
        raise ValueError(f"a rental lasts at most {MAX_RENTAL_DAYS} days")
