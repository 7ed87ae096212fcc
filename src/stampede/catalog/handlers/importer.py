"""Importing listing feeds (``stampede catalog import FILE``) and loading the demo catalog.

Good rows are upserted by ``external_id`` in transactions of :data:`CHUNK` rows; when the
catalog refuses a row of a chunk (an unknown company or shop, a window that has closed, another
company's external id), the chunk is rolled back and its rows are written again one per
transaction, so the refused row is reported with its line and reason and every other row
imports. (One transaction per row costs a commit each and contends with the outbox relay for
SQLite's write lock: the demo seed took three times as long.) A row whose content is what the
catalog holds already is not written and emits nothing, so importing the same feed twice
changes nothing the second time. Shops of the feed's ``shops`` section are created (with ids
derived from their keys) when missing and left as they are when present.

The demo feed shipped in ``stampede.catalog.demo`` stores its sale windows relative to the time
it is loaded (``opens_in_hours``/``duration_hours``, sessions' ``starts_in_hours``); the demo
seed turns them into dates from ``Runtime.now()`` before validating, so a fresh ``stampede up``
always has deals open today and opening this week. Its companies are identity's demo companies,
whose ids are fixed (identity's ``DemoCompany.company_id``); identity's demo must have been
loaded (and its ``CompanyApproved`` events settled) first, as ``Platform.seed_demo`` does.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from stampede.catalog.domain.feed import (
    Feed,
    FeedItem,
    FeedShop,
    Problem,
    anchor,
    parse_feed,
    read_raw,
    validate,
)
from stampede.catalog.domain.listings import Status
from stampede.catalog.handlers.access import known_company
from stampede.catalog.handlers.listings import upsert_imported
from stampede.catalog.store import CatalogUoW, ListingFilter, Shop, page, refresh_statistics
from stampede.kernel.errors import StampedeError, Unprocessable
from stampede.kernel.module import Runtime

DEMO_FEED = "feed.json"
CHUNK = 50
_DEMO_KINDS = (("performance", "performances"), ("deal", "deals"), ("car", "cars"))


@dataclass
class Report:
    """What an import did: counts by outcome, new listings by kind, and the problems."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    new_kinds: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)

    def count(self, kind: str, existed: bool, changed: bool) -> None:
        if not existed:
            self.new += 1
            self.new_kinds[kind] += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1

    def text(self) -> str:
        """A summary line, then one line per problem in feed order."""
        head = (
            f"imported {self.new} new, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.problems)} bad"
        )
        return "\n".join([head, *map(str, self.in_order())])

    def in_order(self) -> list[Problem]:
        """Shop problems first, then rows by line."""
        return sorted(self.problems, key=lambda p: (p.subject is None, p.line))


async def import_feed(runtime: Runtime, path: Path) -> str:
    """Import a JSON or CSV feed; the report as text. 422 (one line) when the file is missing,
    unreadable, or neither a JSON nor a CSV feed."""
    feed = parse_feed(await _read(path), path.name)
    return (await load(runtime, feed)).text()


async def seed_demo(runtime: Runtime) -> list[str]:
    """Load the shipped demo feed on a catalog without listings; one line for the CLI, and a
    second naming the first refused row if any was (say, identity's demo companies are not
    there because identity held accounts already). ``[]`` when any listing exists."""
    if await _has_listings(runtime):
        return []
    text = await asyncio.to_thread(_demo_text)
    feed = validate(anchor(read_raw(text, DEMO_FEED), runtime.now()))
    report = await load(runtime, feed)
    lines = [_demo_line(report, feed)]
    if report.problems:
        first = report.in_order()[0]
        lines.append(f"{'catalog':<9} {len(report.problems)} demo rows refused, first: {first}")
    return lines


async def load(runtime: Runtime, feed: Feed) -> Report:
    """Create the feed's missing shops, then upsert the good rows chunk by chunk."""
    report = Report(problems=list(feed.problems))
    for shop in feed.shops:
        await _ensure_shop(runtime, shop, report)
    for first in range(0, len(feed.items), CHUNK):
        chunk = feed.items[first : first + CHUNK]
        if not await _upsert_together(runtime, chunk, report):
            for item in chunk:
                await _upsert_alone(runtime, item, report)
    if report.new or report.updated:
        async with CatalogUoW(runtime) as uow:
            await refresh_statistics(uow.session)
    return report


async def _upsert_together(runtime: Runtime, items: list[FeedItem], report: Report) -> bool:
    """All of ``items`` in one transaction; False (nothing written or counted) if any is
    refused."""
    outcomes: list[tuple[str, bool, bool]] = []
    try:
        async with CatalogUoW(runtime) as uow:
            for item in items:
                outcomes.append((item.listing.kind, *await _upsert(uow, item)))
            if any(changed for _, _, changed in outcomes):
                await uow.commit()
    except StampedeError:
        return False
    for kind, existed, changed in outcomes:
        report.count(kind, existed, changed)
    return True


async def _upsert_alone(runtime: Runtime, item: FeedItem, report: Report) -> None:
    try:
        async with CatalogUoW(runtime) as uow:
            existed, changed = await _upsert(uow, item)
            if changed:
                await uow.commit()
    except StampedeError as exc:
        report.problems.append(Problem(item.line, _reason(exc)))
        return
    report.count(item.listing.kind, existed, changed)


async def _upsert(uow: CatalogUoW, item: FeedItem) -> tuple[bool, bool]:
    """``(existed, changed)`` for one row, inside the caller's unit of work."""
    existed = await uow.listings.by_external_id(str(item.listing.external_id)) is not None
    _, changed = await upsert_imported(uow, item.listing, item.company_id)
    return existed, changed


async def _ensure_shop(runtime: Runtime, shop: FeedShop, report: Report) -> None:
    company_id = str(shop.company) if shop.company is not None else None
    try:
        async with CatalogUoW(runtime) as uow:
            if await uow.shops.get(shop.shop_id) is not None:
                return
            await known_company(uow, company_id)
            now = runtime.now()
            fields = shop.model_dump(include={"name", "region", "address"})
            row = Shop(id=shop.shop_id, company_id=company_id, created_at=now, updated_at=now)
            await uow.shops.add(_filled(row, fields))
            await uow.commit()
    except StampedeError as exc:
        report.problems.append(Problem(0, _reason(exc), subject=f"shop {shop.key}"))


def _filled(shop: Shop, fields: dict[str, str]) -> Shop:
    for name, value in fields.items():
        setattr(shop, name, value)
    return shop


def _reason(exc: StampedeError) -> str:
    """The first field error of a 422 as ``field: message``, else the problem's detail."""
    errors = exc.extra.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        loc = [str(part) for part in errors[0].get("loc", ()) if part != "body"]
        message = str(errors[0].get("msg", exc.detail))
        return f"{'.'.join(loc)}: {message}" if loc else message
    return exc.detail


async def _read(path: Path) -> str:
    try:
        return await asyncio.to_thread(path.read_text, encoding="utf-8-sig")
    except FileNotFoundError:
        raise Unprocessable(f"{path}: no such file", slug="bad-feed") from None
    except IsADirectoryError:
        raise Unprocessable(f"{path} is a directory, not a feed", slug="bad-feed") from None
    except UnicodeDecodeError:
        raise Unprocessable(f"{path} is not UTF-8 text", slug="bad-feed") from None
    except OSError as exc:
        raise Unprocessable(f"{path}: cannot read it ({exc.strerror})", slug="bad-feed") from None


async def _has_listings(runtime: Runtime) -> bool:
    every = ListingFilter(statuses=tuple(s.value for s in Status))
    async with CatalogUoW(runtime) as uow:
        return bool(await page(uow.session, every, None, 1))


def _demo_text() -> str:
    return resources.files("stampede.catalog.demo").joinpath(DEMO_FEED).read_text("utf-8")


def _demo_line(report: Report, feed: Feed) -> str:
    """``catalog   200 demo listings (50 performances, 100 deals, 20 cars, 30 phones at 3
    shops)``, counting the listings this load created."""
    kinds = report.new_kinds
    parts = [f"{kinds[kind]} {plural}" for kind, plural in _DEMO_KINDS]
    parts.append(f"{kinds['device']} phones at {len(feed.shops)} shops")
    return f"{'catalog':<9} {report.new} demo listings ({', '.join(parts)})"
