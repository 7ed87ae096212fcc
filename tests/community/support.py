"""Helpers for community's tests: members with real access tokens (signed with identity's key,
without a sign-up's password hashing), other contexts' events published on the bus, posts,
reviews and community's outbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy import select

from stampede.identity.contracts import AccountRegistered
from stampede.identity.domain.tokens import access_claims
from stampede.identity.handlers import signing_key
from stampede.kernel.messages import Envelope, Event
from stampede.kernel.outbox import OutboxRow
from stampede.kernel.sqltypes import new_id
from stampede.ordering.contracts import OrderStatusChanged

if TYPE_CHECKING:
    from stampede.compose import Platform

API = "/api/community"
PROBLEM = "application/problem+json"
SCRIPT = "<script>alert('x')</script>"


@dataclass
class Member:
    id: str
    name: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}


async def publish(platform: Platform, events: Sequence[Event]) -> None:
    """Publish as the other contexts' relays would, then wait until every consumer is done."""
    await platform.settle()
    await platform.bus.publish(
        [Envelope.wrap(e, subject=getattr(e, "user_id", "")) for e in events]
    )
    await platform.settle()


async def members(platform: Platform, *names: str, admin: bool = False) -> list[Member]:
    """Members (admins when ``admin``) named ``names``, with access tokens, whose sign-up
    community has heard of."""
    runtime = platform.runtimes["identity"]
    key, settings = await signing_key(runtime), runtime.settings
    roles = ["customer", "admin"] if admin else ["customer"]
    made = []
    for name in names:
        user_id = new_id()
        claims = access_claims(
            user_id, roles, issuer=settings.jwt_issuer, audience=settings.jwt_audience,
            now=datetime.now(UTC), ttl_s=settings.access_token_ttl_s,
        )  # fmt: skip
        made.append(Member(user_id, name, key.sign(claims)))
    registered = [
        AccountRegistered(user_id=m.id, email=f"{m.id}@example.com", name=m.name, locale="ko")
        for m in made
    ]
    await publish(platform, registered)
    return made


async def member(platform: Platform, name: str = "김민지") -> Member:
    return (await members(platform, name))[0]


async def admin(platform: Platform) -> Member:
    return (await members(platform, "관리자", admin=True))[0]


def completed(
    user_id: str, listing_id: str, order_id: str = "", status: str = "COMPLETED"
) -> Event:
    """Ordering's word that the buyer's order reached ``status``."""
    return OrderStatusChanged(
        order_id=order_id or new_id(), user_id=user_id, seller_id=None, listing_id=listing_id,
        listing_kind="car", kind="dates", title="아반떼 렌트", status=status, previous="RENTED",
        reason="returned", seq=5, at=datetime.now(UTC),
    )  # fmt: skip


async def write(
    api: httpx.AsyncClient, who: Member, board: str = "free", **fields: Any
) -> dict[str, Any]:
    """A post by ``who``; fields default to a title and a body."""
    body = {"title": "오늘의 절약", "body": "점심은 도시락으로 해결했어요."} | fields
    reply = await api.post(f"{API}/boards/{board}/posts", json=body, headers=who.auth)
    assert reply.status_code == 201, reply.text
    post: dict[str, Any] = reply.json()
    return post


async def price_post(api: httpx.AsyncClient, who: Member, **fields: Any) -> dict[str, Any]:
    deal = {"title": "생수 최저가", "item": "생수 2L x 12", "price": 6900, "store": "동네마트"}
    return await write(api, who, "prices", **(deal | fields))


async def get(api: httpx.AsyncClient, path: str, who: Member | None = None, **params: Any) -> Any:
    reply = await api.get(f"{API}{path}", headers=who.auth if who else {}, params=params)
    assert reply.status_code == 200, reply.text
    return reply.json()


async def outbox(platform: Platform, event_type: str, **match: str) -> list[dict[str, Any]]:
    """The data of community's outbox rows of this type whose data hold ``match``, oldest
    first."""
    async with platform.runtimes["community"].db.sessions() as session:
        rows = await session.scalars(
            select(OutboxRow).where(OutboxRow.type == event_type).order_by(OutboxRow.seq)
        )
        found = [row.data for row in rows]
    return [data for data in found if all(data.get(k) == v for k, v in match.items())]
