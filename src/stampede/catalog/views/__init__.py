"""The catalog's read side: DTOs built inside a unit of work from the store's queries.

``browse`` (public lists, the caller's own listings, categories), ``detail`` (one listing),
``search`` (what a query means), ``shops``, ``engagement`` (wish list, keywords).
"""

from __future__ import annotations

from stampede.catalog.views.browse import (
    BrowseQuery,
    CategoryView,
    Listed,
    ListingPage,
    ListingSummary,
    categories,
    listings,
    mine,
)
from stampede.catalog.views.detail import ListingDetail, listing
from stampede.catalog.views.search import terms
from stampede.catalog.views.shops import ShopPage, ShopView, shop, shops

__all__ = [
    "BrowseQuery",
    "CategoryView",
    "Listed",
    "ListingDetail",
    "ListingPage",
    "ListingSummary",
    "ShopPage",
    "ShopView",
    "categories",
    "listing",
    "listings",
    "mine",
    "shop",
    "shops",
    "terms",
]
