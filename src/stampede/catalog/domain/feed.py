"""Listing feeds, the importer's input: JSON or CSV text → validated listings and named problems.

A JSON feed is a list of listing objects, or ``{"listings": [...], "shops": [...]}``; a row's
"line" is its 1-based position in the list. A CSV feed has a header row naming at least ``kind``
and ``external_id``; its "line" is the file line the record starts on (the header is line 1).
CSV cells are flat: empty cells are left out (the field's default applies), ``images`` and
``units`` (serial numbers) are separated by ``|``, and ``sessions`` holds the sessions as JSON.

Every row needs an ``external_id`` (the key the importer upserts by) and may carry ``company`` (the
owning company's id) and ``shop`` (a shop's key from the ``shops`` section, or of a shop imported
before); both are taken off the row before it is validated as a
:data:`~stampede.catalog.domain.listings.NewListing`. A row that fails is reported with its line
and the first reason (field path and message); the others are still good. A feed whose shape is
wrong as a whole (not JSON, no header, a bad shop) raises 422 :class:`Unprocessable`.

Relative windows are for the shipped demo feed only (:func:`anchor`): there a row carries
``opens_in_hours``/``duration_hours`` and each session ``starts_in_hours`` instead of dates.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, TypeAdapter, ValidationError

from stampede.catalog.domain.listings import (
    CarIn,
    DealIn,
    DeviceIn,
    NewListing,
    PerformanceIn,
)
from stampede.kernel.errors import Unprocessable

FEED_NAMESPACE = uuid.UUID("8f14c2d0-3b6e-4e55-a7c1-2d9b64f0e3a8")
Listing = DealIn | PerformanceIn | DeviceIn | CarIn
ShopKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,80}$")]
_LISTING: TypeAdapter[Listing] = TypeAdapter(NewListing)
_PIPE_LISTS = {"images", "units"}
_JSON_CELLS = {"sessions"}


class FeedShop(BaseModel):
    """A shop that the feed's phones are sold at; created by the importer when missing."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    key: ShopKey
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    region: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    company: uuid.UUID | None = None

    @property
    def shop_id(self) -> str:
        return shop_id_for(self.key)


@dataclass(frozen=True)
class FeedItem:
    line: int
    listing: Listing
    company_id: str | None


@dataclass(frozen=True)
class Problem:
    """Why a row (or, with ``subject``, a shop of the ``shops`` section) was not imported."""

    line: int
    reason: str
    subject: str | None = None

    def __str__(self) -> str:
        return f"{self.subject or f'line {self.line}'}: {self.reason}"


@dataclass
class RawFeed:
    """Rows as read, before validation: ``(line, row)`` pairs and the raw ``shops`` section."""

    rows: list[tuple[int, Any]]
    shops: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class Feed:
    items: list[FeedItem]
    problems: list[Problem]
    shops: list[FeedShop]


def shop_id_for(key: str) -> str:
    """A shop's id from its feed key: the same in every import, so rows can name shops."""
    return str(uuid.uuid5(FEED_NAMESPACE, f"shop:{key}"))


def parse_feed(text: str, name: str) -> Feed:
    return validate(read_raw(text, name))


def read_raw(text: str, name: str) -> RawFeed:
    """JSON when the name ends in ``.json`` or the text starts with ``[``/``{``; CSV when the
    name ends in ``.csv`` or the first line is a header naming ``kind`` and ``external_id``."""
    text = text.removeprefix("\ufeff")
    lowered, starts_json = name.lower(), text.lstrip()[:1] in ("[", "{")
    if lowered.endswith(".json") or (starts_json and not lowered.endswith(".csv")):
        return _json_feed(text, name)
    if lowered.endswith(".csv") or _looks_like_csv(text):
        return RawFeed(list(_csv_rows(text, name)))
    raise Unprocessable(f"{name} is neither a JSON nor a CSV feed", slug="bad-feed")


def validate(raw: RawFeed) -> Feed:
    """Each row checked on its own; a repeated ``external_id`` is a problem on the later line."""
    items: list[FeedItem] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for line, row in raw.rows:
        try:
            item = _item(line, row)
        except _BadRow as bad:
            problems.append(Problem(line, str(bad)))
            continue
        first = seen.setdefault(str(item.listing.external_id), line)
        if first != line:
            problems.append(
                Problem(line, f"external_id: {item.listing.external_id} repeats line {first}")
            )
        else:
            items.append(item)
    return Feed(items, problems, [_shop(n, s) for n, s in enumerate(raw.shops, 1)])


def anchor(raw: RawFeed, now: datetime) -> RawFeed:
    """Demo rows' relative hours → absolute times from ``now`` floored to the hour, so the demo
    always shows today's and this week's deals. Rows without relative fields are untouched."""
    base = now.replace(minute=0, second=0, microsecond=0)
    return RawFeed([(line, _anchored(row, base)) for line, row in raw.rows], raw.shops)


class _BadRow(Exception):
    pass


@dataclass(frozen=True)
class RowError:
    """A row that could not even be read (a CSV row with too many cells, bad JSON in a cell)."""

    reason: str


def _item(line: int, row: Any) -> FeedItem:
    if isinstance(row, RowError):
        raise _BadRow(row.reason)
    if not isinstance(row, dict):
        raise _BadRow("a row must be an object with the listing's fields")
    fields = dict(row)
    company = _company(fields.pop("company", None))
    shop = fields.pop("shop", None)
    if fields.get("external_id") in (None, ""):
        raise _BadRow("external_id: Field required")
    if shop not in (None, ""):
        fields["shop_id"] = shop_id_for(str(shop))
    try:
        listing = _LISTING.validate_python(fields)
    except ValidationError as exc:
        raise _BadRow(first_reason(exc)) from None
    return FeedItem(line, listing, company)


def _company(value: Any) -> str | None:
    if value in (None, ""):
        return None
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise _BadRow("company: must be a company id (a UUID)") from None


def first_reason(exc: ValidationError) -> str:
    """``"stock: Input should be greater than or equal to 0"`` — the first error's field path
    (without the union's tag) and its message."""
    error = exc.errors(include_url=False)[0]
    loc = [str(part) for part in error["loc"]]
    if error["type"].startswith("union_tag"):
        loc = ["kind"]
    elif loc and loc[0] in {"deal", "performance", "device", "car"}:
        loc = loc[1:]
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{'.'.join(loc)}: {message}" if loc else message


def _shop(number: int, raw: Any) -> FeedShop:
    try:
        return FeedShop.model_validate(raw)
    except ValidationError as exc:
        raise Unprocessable(f"shops {number}: {first_reason(exc)}", slug="bad-feed") from None


def _json_feed(text: str, name: str) -> RawFeed:
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Unprocessable(
            f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            slug="bad-feed",
        ) from None
    shops: Any = []
    if isinstance(data, dict):
        data, shops = data.get("listings"), data.get("shops", [])
    if not isinstance(data, list) or not isinstance(shops, list):
        raise Unprocessable(
            f'{name}: a JSON feed is a list of listings or {{"listings": [...]}}', slug="bad-feed"
        )
    return RawFeed(list(enumerate(data, 1)), shops)


def _looks_like_csv(text: str) -> bool:
    header = next(csv.reader(io.StringIO(text)), [])
    return {"kind", "external_id"} <= {cell.strip() for cell in header}


def _csv_rows(text: str, name: str) -> Iterator[tuple[int, Any]]:
    reader = csv.reader(io.StringIO(text))
    header = [cell.strip() for cell in next(reader, [])]
    if not {"kind", "external_id"} <= set(header):
        raise Unprocessable(
            f"{name}: a CSV feed starts with a header naming kind and external_id",
            slug="bad-feed",
        )
    previous = reader.line_num
    for cells in reader:
        line, previous = previous + 1, reader.line_num
        if any(cell.strip() for cell in cells):
            yield line, _csv_record(header, cells)


def _csv_record(header: list[str], cells: list[str]) -> dict[str, Any] | RowError:
    """The row as a dict of its non-empty cells, or what is wrong with it."""
    if len(cells) > len(header):
        return RowError(f"the row has {len(cells)} cells; the header names {len(header)}")
    row: dict[str, Any] = {}
    try:
        for column, cell in zip(header, cells, strict=False):
            if column and cell.strip():
                row[column] = _csv_cell(column, cell.strip())
    except _BadRow as bad:
        return RowError(str(bad))
    return row


def _csv_cell(column: str, cell: str) -> Any:
    if column in _PIPE_LISTS:
        parts = [part.strip() for part in cell.split("|") if part.strip()]
        return [{"serial": s} for s in parts] if column == "units" else parts
    if column in _JSON_CELLS:
        try:
            return json.loads(cell)
        except json.JSONDecodeError as exc:
            raise _BadRow(f"{column}: not valid JSON ({exc.msg})") from None
    return cell


def _anchored(row: Any, base: datetime) -> Any:
    if not isinstance(row, dict) or "opens_in_hours" not in row:
        return row
    fields = dict(row)
    opens = base + timedelta(hours=float(fields.pop("opens_in_hours")))
    fields["opens_at"] = opens.isoformat()
    fields["closes_at"] = (opens + timedelta(hours=float(fields.pop("duration_hours")))).isoformat()
    if isinstance(fields.get("sessions"), list):
        fields["sessions"] = [_session(s, base) for s in fields["sessions"]]
    return fields


def _session(session: Any, base: datetime) -> Any:
    if not isinstance(session, dict) or "starts_in_hours" not in session:
        return session
    fields = dict(session)
    fields["starts_at"] = (base + timedelta(hours=float(fields.pop("starts_in_hours")))).isoformat()
    return fields
