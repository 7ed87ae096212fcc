"""The four kinds of listing, what each must carry, and how their states may change.

Deals and performances go draft → scheduled → open → closed by their sale window; devices and
cars are published or unpublished; any listing may be deleted (soft). Input models are strict:
unknown fields, negative amounts, a window that closes before it opens or a seat map with a
seat twice are refused with the reason.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    model_validator,
)

MAX_WINDOW = timedelta(days=62)
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
LongText = Annotated[str, StringConstraints(max_length=5000)]
Money = Annotated[int, Field(ge=0, le=1_000_000_000)]
Limit = Annotated[int, Field(ge=1, le=100)]
ExternalId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,80}$")]


class Kind(StrEnum):
    DEAL = "deal"
    PERFORMANCE = "performance"
    DEVICE = "device"
    CAR = "car"


class Status(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"
    DELETED = "deleted"


WINDOWED = {Kind.DEAL, Kind.PERFORMANCE}
CATEGORIES: dict[str, tuple[str, str]] = {
    "food": ("식품", "Food"),
    "fashion": ("패션", "Fashion"),
    "beauty": ("뷰티", "Beauty"),
    "digital": ("디지털", "Digital"),
    "living": ("리빙", "Living"),
    "sports": ("스포츠", "Sports"),
    "concert": ("콘서트", "Concerts"),
    "musical": ("뮤지컬", "Musicals"),
    "theater": ("연극", "Theater"),
    "classic": ("클래식", "Classical"),
    "phone": ("휴대폰", "Phones"),
    "car": ("렌터카", "Rental cars"),
}
Category = Literal[
    "food",
    "fashion",
    "beauty",
    "digital",
    "living",
    "sports",
    "concert",
    "musical",
    "theater",
    "classic",
    "phone",
    "car",
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(Strict):
    """A sale window; it must close after it opens and last at most :data:`MAX_WINDOW`."""

    opens_at: AwareDatetime
    closes_at: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.closes_at <= self.opens_at:
            raise ValueError("closes_at must be after opens_at")
        if self.closes_at - self.opens_at > MAX_WINDOW:
            raise ValueError("a sale window lasts at most 62 days")
        return self


class DealIn(Window):
    kind: Literal["deal"]
    title: Text
    description: LongText = ""
    images: Annotated[list[HttpUrl], Field(max_length=10)] = []
    category: Category
    list_price: Money
    deal_price: Money
    stock: Annotated[int, Field(ge=0, le=1_000_000)]
    per_user_limit: Limit = 1
    waiting_room: bool = False
    external_id: ExternalId | None = None

    @model_validator(mode="after")
    def _discounted(self) -> DealIn:
        if self.deal_price > self.list_price:
            raise ValueError("deal_price must not exceed list_price")
        return self


class SeatIn(Strict):
    number: Annotated[int, Field(ge=1, le=10_000)]
    grade: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,10}$")]


class RowIn(Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=10)]
    seats: Annotated[list[SeatIn], Field(min_length=1, max_length=200)]


class SectionIn(Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=30)]
    rows: Annotated[list[RowIn], Field(min_length=1, max_length=100)]


class SeatMapIn(Strict):
    """Sections → rows → seats; every seat's grade has a price; no seat appears twice."""

    prices: dict[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,10}$")], Money]
    sections: Annotated[list[SectionIn], Field(min_length=1, max_length=50)]

    @model_validator(mode="after")
    def _consistent(self) -> SeatMapIn:
        labels = [
            seat_label(s.name, r.name, seat.number)
            for s in self.sections
            for r in s.rows
            for seat in r.seats
        ]
        if len(labels) != len(set(labels)):
            raise ValueError("the seat map lists a seat twice")
        missing = {seat.grade for s in self.sections for r in s.rows for seat in r.seats}
        missing -= set(self.prices)
        if missing:
            raise ValueError(f"no price for grade(s) {', '.join(sorted(missing))}")
        if len(labels) > 5000:
            raise ValueError("a session has at most 5000 seats")
        return self


class SessionIn(Strict):
    starts_at: AwareDatetime
    seat_map: SeatMapIn


class PerformanceIn(Window):
    kind: Literal["performance"]
    title: Text
    description: LongText = ""
    genre: Text
    venue: Text
    poster: HttpUrl | None = None
    category: Category
    sessions: Annotated[list[SessionIn], Field(min_length=1, max_length=60)]
    per_user_limit: Limit = 4
    waiting_room: bool = True
    external_id: ExternalId | None = None

    @model_validator(mode="after")
    def _sessions_after_opening(self) -> PerformanceIn:
        if any(s.starts_at <= self.opens_at for s in self.sessions):
            raise ValueError("every session starts after ticket sales open")
        return self


class UnitIn(Strict):
    serial: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{4,40}$")]


class DeviceIn(Strict):
    kind: Literal["device"]
    title: Text  # the model name, e.g. "삼성 갤럭시 S24"
    description: LongText = ""
    images: Annotated[list[HttpUrl], Field(max_length=10)] = []
    category: Category = "phone"
    shop_id: Annotated[str, StringConstraints(min_length=1, max_length=36)]
    price: Money
    units: Annotated[list[UnitIn], Field(max_length=1000)] = []
    external_id: ExternalId | None = None

    @model_validator(mode="after")
    def _unique_serials(self) -> DeviceIn:
        serials = [u.serial for u in self.units]
        if len(serials) != len(set(serials)):
            raise ValueError("a serial number is listed twice")
        return self


CarNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^\d{2,3}[가-힣]\s?\d{4}$")
]


class CarIn(Strict):
    kind: Literal["car"]
    title: Text  # the model, e.g. "현대 아반떼"
    description: LongText = ""
    images: Annotated[list[HttpUrl], Field(max_length=10)] = []
    category: Category = "car"
    car_number: CarNumber
    region: Text
    daily_rate: Money
    external_id: ExternalId | None = None


NewListing = Annotated[DealIn | PerformanceIn | DeviceIn | CarIn, Field(discriminator="kind")]


def seat_label(section: str, row: str, number: int) -> str:
    return f"{section}-{row}-{number}"


def initial_status(kind: Kind, publish: bool) -> Status:
    """Windowed listings start as drafts or scheduled; devices and cars published or not."""
    if kind in WINDOWED:
        return Status.SCHEDULED if publish else Status.DRAFT
    return Status.PUBLISHED if publish else Status.UNPUBLISHED


def window_status(opens_at: datetime, closes_at: datetime, now: datetime) -> Status:
    """Where a scheduled listing's window puts it at ``now``."""
    if now >= closes_at:
        return Status.CLOSED
    return Status.OPEN if now >= opens_at else Status.SCHEDULED


def searchable_text(*parts: str) -> str:
    """Lower-cased text that search and keyword alerts match substrings in."""
    return " ".join(p.strip().lower() for p in parts if p and p.strip())
