"""The catalog's tables, repositories and the unit of work that holds them.

All of the catalog's SQL lives in this package: ``listings`` (tables), ``repositories``,
``browse`` and ``search`` (read queries), ``engagement`` (likes and keywords), ``rentals``
(cars' orders), ``ratings`` (reviews' stars).
"""

from __future__ import annotations

from typing import Self

from stampede.catalog.store.base import Base
from stampede.catalog.store.browse import ListingFilter, category_counts, fingerprint, page
from stampede.catalog.store.engagement import Engagement
from stampede.catalog.store.listings import (
    CAR_STATES,
    PUBLIC,
    UNIT_STATES,
    VISIBLE,
    Company,
    DeviceUnit,
    Listing,
    PerformanceSession,
    SeatRow,
    Shop,
    set_status,
    touch,
)
from stampede.catalog.store.repositories import Companies, Listings, Shops
from stampede.catalog.store.search import refresh_statistics
from stampede.kernel.db import UnitOfWork
from stampede.kernel.module import Runtime

__all__ = [
    "CAR_STATES",
    "PUBLIC",
    "UNIT_STATES",
    "VISIBLE",
    "Base",
    "CatalogUoW",
    "Companies",
    "Company",
    "DeviceUnit",
    "Engagement",
    "Listing",
    "ListingFilter",
    "Listings",
    "PerformanceSession",
    "SeatRow",
    "Shop",
    "Shops",
    "category_counts",
    "fingerprint",
    "page",
    "refresh_statistics",
    "set_status",
    "touch",
]


class CatalogUoW(UnitOfWork):
    """One catalog transaction; the repositories exist between ``async with`` and its end."""

    listings: Listings
    shops: Shops
    companies: Companies
    engagement: Engagement

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime.db)
        self.runtime = runtime

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.listings = Listings(self.session)
        self.shops = Shops(self.session)
        self.companies = Companies(self.session)
        self.engagement = Engagement(self.session)
        return self
