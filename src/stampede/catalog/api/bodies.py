"""Request bodies of the catalog API: strict (unknown fields are a 422), bounded, and free of
NUL characters (which PostgreSQL cannot store).

A new listing is one of the domain's input models plus ``publish`` (default true: scheduled or
published at once; false: a draft or unpublished). A change is any subset of the fields of the
listing's kind (plus ``car_status`` for cars); the handler validates the merged whole again.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    model_validator,
)

from stampede.catalog.domain.listings import (
    CarIn,
    CarNumber,
    Category,
    DealIn,
    DeviceIn,
    Kind,
    Limit,
    LongText,
    Money,
    PerformanceIn,
    SessionIn,
    Text,
    UnitIn,
)

CarStatus = Literal["available", "reserved", "rented", "maintenance"]
Images = Annotated[list[HttpUrl], Field(max_length=10)]
ShopText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Region = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


def _without_nul(value: Any) -> None:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    if isinstance(value, dict):
        for key, item in value.items():
            _without_nul(key)
            _without_nul(item)
    elif isinstance(value, list):
        for item in value:
            _without_nul(item)


class Clean(BaseModel):
    """Refuses NUL characters anywhere in the body."""

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        _without_nul(data)
        return data


class Publishing(Clean):
    publish: bool = True


class DealCreate(DealIn, Publishing):
    pass


class PerformanceCreate(PerformanceIn, Publishing):
    pass


class DeviceCreate(DeviceIn, Publishing):
    pass


class CarCreate(CarIn, Publishing):
    pass


ListingCreate = Annotated[
    DealCreate | PerformanceCreate | DeviceCreate | CarCreate, Field(discriminator="kind")
]


class ListingPatch(Clean):
    """Fields to change; those not given keep their value."""

    model_config = ConfigDict(extra="forbid")
    kind: Kind | None = None
    title: Text | None = None
    description: LongText | None = None
    images: Images | None = None
    category: Category | None = None
    list_price: Money | None = None
    deal_price: Money | None = None
    stock: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    per_user_limit: Limit | None = None
    waiting_room: bool | None = None
    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = None
    genre: Text | None = None
    venue: Text | None = None
    poster: HttpUrl | None = None
    sessions: Annotated[list[SessionIn], Field(min_length=1, max_length=60)] | None = None
    shop_id: Annotated[str, StringConstraints(min_length=1, max_length=36)] | None = None
    price: Money | None = None
    units: Annotated[list[UnitIn], Field(max_length=1000)] | None = None
    car_number: CarNumber | None = None
    region: Text | None = None
    daily_rate: Money | None = None
    car_status: CarStatus | None = None


class ShopIn(Clean):
    model_config = ConfigDict(extra="forbid")
    name: ShopText
    address: Address
    region: Region
    company_id: uuid.UUID | None = None


class ShopPatch(Clean):
    model_config = ConfigDict(extra="forbid")
    name: ShopText | None = None
    address: Address | None = None
    region: Region | None = None

    @model_validator(mode="before")
    @classmethod
    def _not_null(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(v is None for v in data.values()):
            raise ValueError("fields cannot be null")
        return data
