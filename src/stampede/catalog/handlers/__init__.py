"""The catalog's use cases: async functions over a :class:`CatalogUoW` (or a runtime).

Each opens its unit of work, checks the caller, changes state, emits its events and commits
once; an error before the commit leaves nothing behind. ``SUBSCRIPTIONS`` at the bottom says
what the catalog reacts to.

Split by topic: ``listings`` (create, update, import), ``states`` (publish, unpublish,
delete), ``companies`` (company copies, shops), ``engagement`` (likes, keywords), ``rentals``
(cars follow their orders), ``ratings`` (stars from community's reviews), ``windows``
(the sale-window scheduler), ``importer`` (feeds and the demo catalog). The last five are
imported as modules so what they define is reached as ``handlers.<module>.<name>``; they
are imported before this package's names exist, so they import siblings by module
(``from stampede.catalog.handlers.listings import create_in``), never from the package.
"""

from __future__ import annotations

from stampede.catalog.handlers import engagement, importer, ratings, rentals, windows
from stampede.catalog.handlers.companies import (
    add_shop,
    create_shop,
    remember_company,
    update_shop,
)
from stampede.catalog.handlers.listings import (
    create_in,
    create_listing,
    update_in,
    update_listing,
    upsert_imported,
)
from stampede.catalog.handlers.states import delete_listing, publish_listing, unpublish_listing
from stampede.identity.contracts import CompanyApproved
from stampede.kernel.module import Subscription

__all__ = [
    "SUBSCRIPTIONS",
    "add_shop",
    "create_in",
    "create_listing",
    "create_shop",
    "delete_listing",
    "engagement",
    "importer",
    "publish_listing",
    "remember_company",
    "unpublish_listing",
    "update_in",
    "update_listing",
    "update_shop",
    "upsert_imported",
    "windows",
]

SUBSCRIPTIONS: tuple[Subscription, ...] = (
    (Subscription(CompanyApproved, remember_company),)
    + getattr(engagement, "SUBSCRIPTIONS", ())
    + rentals.SUBSCRIPTIONS
    + ratings.SUBSCRIPTIONS
)
