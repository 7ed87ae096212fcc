"""Placing, reading and releasing holds (an order taking one: :mod:`.orders`).

Placing: the admission token is checked without a round trip (signature, owner, sale,
expiry), then one atomic inventory step decides, then the grant is recorded durably before the
201. If the record refuses the grant (the inventory was out of step) or cannot be written, the
inventory gives the goods back and the buyer hears 409 or 503 — never a 201 for a hold that is
not recorded. A replayed Idempotency-Key answers the first hold once it is recorded, and 409
while the first request is still being recorded; if the first request's process died before
recording it (a ghost), the ghost is given back and the request is decided afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from stampede.kernel.auth import Principal
from stampede.kernel.errors import (
    Conflict,
    Forbidden,
    NotFound,
    StampedeError,
    TooManyRequests,
    Unavailable,
    Unprocessable,
)
from stampede.kernel.module import Runtime
from stampede.kernel.sqltypes import new_id
from stampede.kernel.tally import Tally
from stampede.sales.domain.holds import (
    Hold,
    HoldRequest,
    HoldResult,
    Kind,
    Verdict,
    day_number,
)
from stampede.sales.domain.tokens import read_admission
from stampede.sales.handlers.engine import Engine, engine, starting
from stampede.sales.store import Recorded, SalesUoW, to_ms


@dataclass(slots=True, unsafe_hash=True)  # a value, never changed; not frozen: ARCHITECTURE.md
class Ask:
    """What a buyer asked for, before ids and expiry are chosen."""

    listing_id: str
    kind: Kind
    quantity: int = 0
    seat_ids: tuple[str, ...] = ()
    unit_id: str | None = None
    shop_id: str | None = None
    first_day: int = 0
    end_day: int = 0
    admission_token: str | None = None
    idempotency_key: str | None = None


_REFUSALS: dict[Verdict, tuple[type[StampedeError], str, str]] = {
    Verdict.SOLD_OUT: (Conflict, "not enough stock left", "sold-out"),
    Verdict.TAKEN: (Conflict, "a seat, the unit or a day is already held", "taken"),
    Verdict.OVER_LIMIT: (TooManyRequests, "this would pass your limit for the sale", "over-limit"),
    Verdict.NOT_ADMITTED: (Forbidden, "you have not been admitted to this sale", "not-admitted"),
    Verdict.TOKEN_USED: (Forbidden, "this admission was already used", "admission-used"),
    Verdict.CLOSED: (Conflict, "this sale is not open", "sale-closed"),
    Verdict.UNKNOWN: (NotFound, "no such sale, seat or unit on sale", "not-on-sale"),
}


def refusal(verdict: Verdict) -> StampedeError:
    """A new error for each refusal: raising one shared instance again and again would chain
    every request's frames onto its traceback and keep them alive."""
    kind, detail, slug = _REFUSALS[verdict]
    return kind(detail, slug=slug)


HOLD_ATTEMPTS = Tally(
    "stampede_sales_hold_attempts", "Hold attempts by what the inventory answered", ["verdict"]
)
_ATTEMPTS = {verdict: (verdict.value,) for verdict in Verdict}
SOLD_OUT = Tally("stampede_sales_sold_out", "Holds refused for want of stock", ["listing"])


RENTAL_HORIZON_DAYS = 365
SEOUL = timezone(timedelta(hours=9))  # a rental day is a calendar day in Korea (no DST)


def sale_kind(runtime: Runtime, listing_id: str) -> Kind | None:
    sale = engine(runtime).sales.get(listing_id)
    return None if sale is None else sale.rules.kind


def _ticket(runtime: Runtime, ask: Ask, user: Principal) -> str | None:
    if ask.admission_token is None:
        return None
    admission = read_admission(runtime.settings.secret_key, ask.admission_token, user.user_id)
    if admission is None or admission.listing_id != ask.listing_id:
        raise Forbidden(
            "the admission token is not valid for you and this sale", slug="bad-admission"
        )
    if admission.expires_s * 1000 <= to_ms(runtime.now()):
        raise Forbidden("the admission token has expired", slug="admission-expired")
    return admission.ticket


def _check_dates(ask: Ask, now: datetime) -> None:
    """A rental starts today or later (in Korea), and within :data:`RENTAL_HORIZON_DAYS`."""
    if ask.kind is not Kind.DATES:
        return
    today = day_number(now.astimezone(SEOUL).date())
    if ask.first_day < today:
        raise Unprocessable("start_date is in the past", slug="date-in-past")
    if ask.end_day > today + RENTAL_HORIZON_DAYS:
        raise Unprocessable(
            f"rentals are booked at most {RENTAL_HORIZON_DAYS} days ahead", slug="date-too-far"
        )


def _hold(runtime: Runtime, ask: Ask, user: Principal, ticket: str | None) -> HoldRequest:
    now = runtime.now()
    _check_dates(ask, now)
    now_ms = to_ms(now)
    hold = Hold(
        hold_id=new_id(),
        listing_id=ask.listing_id,
        user_id=user.user_id,
        kind=ask.kind,
        expires_ms=now_ms + runtime.settings.hold_ttl_s * 1000,
        quantity=ask.quantity,
        seat_ids=ask.seat_ids,
        unit_id=ask.unit_id,
        first_day=ask.first_day,
        end_day=ask.end_day,
        ticket=ticket,
        idempotency_key=ask.idempotency_key,
    )
    return HoldRequest(hold, now_ms, ask.shop_id)


async def place_hold(runtime: Runtime, user: Principal, ask: Ask) -> tuple[Hold, bool]:
    """The hold and whether it is a replay; raises the refusal as a problem otherwise."""
    placed = await try_hold(runtime, user, ask)
    if isinstance(placed, Verdict):
        raise refusal(placed)
    return placed


async def try_hold(
    runtime: Runtime, user: Principal, ask: Ask, *, retried: bool = False
) -> tuple[Hold, bool] | Verdict:
    """The hold and whether it is a replay, or the inventory's refusal (a crowd mostly hears
    "sold out": returned, not raised, so the express lane answers it without an exception)."""
    request = _hold(runtime, ask, user, _ticket(runtime, ask, user))
    live = engine(runtime)
    result = await live.inventory.hold(request)
    HOLD_ATTEMPTS.add(_ATTEMPTS[result.verdict])
    if result.verdict is Verdict.SOLD_OUT:
        SOLD_OUT.add((ask.listing_id,))
    if result.verdict is Verdict.GRANTED:
        return await _record(runtime, result), False
    if result.verdict is Verdict.UNKNOWN and await _starting(live, ask):
        raise starting()
    if result.verdict is not Verdict.REPLAYED or result.hold is None:
        return result.verdict
    first = result.hold
    recorded = await _recorded(runtime, first)
    if recorded is not None:
        return recorded, True
    if retried or not live.old_enough_for_ghost(first):
        raise Conflict(
            "the first request with this Idempotency-Key is still in progress", slug="in-flight"
        )
    await live.inventory.release(first.listing_id, first.hold_id)  # its process died
    return await try_hold(runtime, user, ask, retried=True)


async def _starting(live: Engine, ask: Ask) -> bool:
    """Whether the sale is on record but the inventory is not seeded yet."""
    sale = live.sales.get(ask.listing_id)
    return sale is not None and sale.rules.kind is ask.kind and not await live.inventory.seeded()


async def _record(runtime: Runtime, result: HoldResult) -> Hold:
    hold = result.hold
    assert hold is not None
    live = engine(runtime)
    try:
        recorded = await live.ledger.record(hold)
    except Exception as exc:
        await live.inventory.release(hold.listing_id, hold.hold_id)
        raise Unavailable("holds cannot be recorded right now; try again") from exc
    if not recorded:
        await live.inventory.release(hold.listing_id, hold.hold_id)
        raise Conflict("a seat, the unit, a day or the stock is already held", slug="taken")
    return hold


async def _recorded(runtime: Runtime, first: Hold) -> Hold | None:
    async with SalesUoW(runtime) as uow:
        found = await uow.records.get(first.hold_id)
    return None if found is None else found.hold


async def recorded_hold(runtime: Runtime, user_id: str, hold_id: str) -> Recorded:
    """A hold of ``user_id``'s as the record has it; 404 ``no-hold`` for anyone else's."""
    async with SalesUoW(runtime) as uow:
        found = await uow.records.get(hold_id)
    if found is None or found.hold.user_id != user_id:
        raise NotFound("no such hold", slug="no-hold")
    return found


async def read_hold(runtime: Runtime, user: Principal, hold_id: str) -> tuple[Hold, str, str]:
    """A hold of the caller's (404 for anyone else's), its state and creation time."""
    found = await recorded_hold(runtime, user.user_id, hold_id)
    return found.hold, found.state, found.created_at.isoformat()


def _ordered() -> Conflict:
    return Conflict("an order holds this now; cancel the order instead", slug="hold-ordered")


async def release_hold(runtime: Runtime, user: Principal, hold_id: str) -> None:
    """End the caller's live hold and free its goods; a hold already ended stays as it is.
    A hold an order took is the order's: 409 ``hold-ordered``, nothing changes (also when the
    order takes it while this runs — the record decides which came first)."""
    found = await recorded_hold(runtime, user.user_id, hold_id)
    if found.state != "live":
        return
    if found.order_id is not None:
        raise _ordered()
    live = engine(runtime)
    if not await live.ledger.end([found.hold], "released"):
        now = await recorded_hold(runtime, user.user_id, hold_id)
        if now.state == "live" and now.order_id is not None:
            raise _ordered()
    await live.inventory.release(found.hold.listing_id, hold_id)
