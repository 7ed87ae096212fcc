"""SQL over ordering's copy of what is sold: listings with prices, seats, shop prices and
which business user owns each company (from catalog and identity events)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from stampede.kernel.db import Repository
from stampede.ordering.domain.orders import PriceList
from stampede.ordering.store.tables import companies, listings, seats, shop_prices


class Copies(Repository):
    async def _put(
        self, table: sa.Table, key: dict[str, Any], values: dict[str, Any], **defaults: Any
    ) -> None:
        """Update the row's ``values``, or insert it with ``defaults`` for the rest."""
        where = [table.c[name] == value for name, value in key.items()]
        done = await self.session.execute(table.update().where(*where).values(**values))
        if done.rowcount == 0:  # type: ignore[attr-defined]
            await self.session.execute(table.insert().values(**{**defaults, **key, **values}))

    async def put_listing(self, listing_id: str, **values: Any) -> None:
        """Change what is given; a listing first seen here gets an empty title till published."""
        await self._put(listings, {"listing_id": listing_id}, values, kind="", title="")

    async def put_company(self, company_id: str, owner_id: str) -> None:
        await self._put(companies, {"company_id": company_id}, {"owner_id": owner_id})

    async def put_shop_price(self, listing_id: str, shop_id: str, price: int) -> None:
        await self._put(
            shop_prices, {"listing_id": listing_id, "shop_id": shop_id}, {"price": price}
        )

    async def replace_session(
        self, listing_id: str, session_id: str, starts_at: datetime, rows: list[dict[str, Any]]
    ) -> None:
        await self.session.execute(seats.delete().where(seats.c.session_id == session_id))
        if rows:
            await self.session.execute(
                seats.insert(),
                [
                    {
                        **row,
                        "listing_id": listing_id,
                        "session_id": session_id,
                        "starts_at": starts_at,
                    }
                    for row in rows
                ],
            )

    async def listing(self, listing_id: str) -> Any:
        query = sa.select(listings).where(listings.c.listing_id == listing_id)
        return (await self.session.execute(query)).first()

    async def owner_of(self, company_id: str | None) -> str | None:
        if company_id is None:
            return None
        query = sa.select(companies.c.owner_id).where(companies.c.company_id == company_id)
        found: str | None = await self.session.scalar(query)
        return found

    async def seats_of(self, seat_ids: list[str]) -> list[Any]:
        if not seat_ids:
            return []
        return list(
            await self.session.execute(sa.select(seats).where(seats.c.seat_id.in_(seat_ids)))
        )

    async def prices(self, listing: Any, shop_id: str | None, seat_rows: list[Any]) -> PriceList:
        shop_price = None
        if shop_id is not None:
            query = sa.select(shop_prices.c.price).where(
                shop_prices.c.listing_id == listing.listing_id, shop_prices.c.shop_id == shop_id
            )
            shop_price = await self.session.scalar(query)
        return PriceList(
            price=listing.price,
            daily_rate=listing.daily_rate,
            seat_prices={row.seat_id: row.price for row in seat_rows},
            shop_price=shop_price,
        )
