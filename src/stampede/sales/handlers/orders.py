"""An order taking a buyer's hold, and giving it back (ordering's signed calls; the contract is
in :mod:`stampede.sales.contracts`).

Taking: the record says whose the hold is and whether it is live; then the inventory keeps the
hold until ``ORDERED_EXPIRY_MS`` (one atomic step, which an expiry sweep that already freed the
hold makes fail); then the record gives the hold to the order (a conditional update, which a
sweep, the buyer's DELETE or another order that ended or took the hold first makes fail). So a
take racing an expiry or a DELETE ends one way, never half:

* kept, then given → taken: no sweep finds the hold due any more, and the record's overdue path
  and the DELETE end only holds no order took;
* not kept → 409 ``hold-ended``: the sweep freed it and ends it in the record;
* kept, but the record ended it first → 409 ``hold-ended``: whoever ended it frees it next (the
  DELETE, the overdue path; after a crash, the ghost hunt);
* not kept although the record has it live and not yet due: the inventory lost it (Redis data
  loss) → 503; the reconciler seeds it again, so a retry takes it.

If the record cannot be written after the hold was kept, the hold is kept but not given: the
overdue path ends and frees it once its old expiry passes, unless a retry takes it first.
Taking again for the same order answers the same, changing nothing.

Giving back ends the hold in the record (HoldReleased, reason ``order``) and then frees its
goods, once; a repeat frees nothing more and answers False.
"""

from __future__ import annotations

from stampede.kernel.errors import Conflict, NotFound, StampedeError, Unavailable
from stampede.kernel.module import Runtime
from stampede.sales.contracts import TakenHold
from stampede.sales.domain.holds import ORDERED_EXPIRY_MS, Hold
from stampede.sales.handlers.engine import engine
from stampede.sales.handlers.holds import recorded_hold
from stampede.sales.store import Recorded, SalesUoW, from_ms, to_ms
from stampede.sales.views import taken_view


def _refusal(found: Recorded, order_id: str) -> StampedeError | None:
    """Why ``order_id`` may not take the hold, or None when it may."""
    if found.state != "live":
        return Conflict("the hold has ended; hold the goods again", slug="hold-ended")
    if found.order_id not in (None, order_id):
        return Conflict("another order took this hold", slug="hold-taken")
    return None


def _refuse(found: Recorded, order_id: str) -> None:
    refusal = _refusal(found, order_id)
    if refusal is not None:
        raise refusal


async def take_hold(runtime: Runtime, hold_id: str, order_id: str, user_id: str) -> TakenHold:
    """The hold, now ``order_id``'s for good; see the module docstring for every refusal."""
    found = await recorded_hold(runtime, user_id, hold_id)
    if found.state == "live" and found.order_id == order_id:
        async with SalesUoW(runtime) as uow:
            return taken_view(found.hold, order_id, await _shop(uow, found.hold))
    _refuse(found, order_id)
    await _keep(runtime, found, order_id)
    async with SalesUoW(runtime) as uow:
        if not await uow.claims.take(hold_id, order_id, from_ms(ORDERED_EXPIRY_MS)):
            now = await uow.records.get(hold_id)
            assert now is not None  # holds are never deleted
            _refuse(now, order_id)
        shop_id = await _shop(uow, found.hold)
        await uow.commit()
    return taken_view(found.hold, order_id, shop_id)


async def _keep(runtime: Runtime, found: Recorded, order_id: str) -> None:
    """Keep the hold in the inventory; if it is not there, say why."""
    hold = found.hold
    if await engine(runtime).inventory.keep(hold.listing_id, hold.hold_id, ORDERED_EXPIRY_MS):
        return
    now = await recorded_hold(runtime, hold.user_id, hold.hold_id)
    _refuse(now, order_id)
    if now.hold.expires_ms <= to_ms(runtime.now()):
        raise Conflict("the hold has expired; hold the goods again", slug="hold-ended")
    raise Unavailable("the hold cannot be taken right now; try again")


async def _shop(uow: SalesUoW, hold: Hold) -> str | None:
    return None if hold.unit_id is None else await uow.records.shop_of(hold.unit_id)


async def give_back_hold(runtime: Runtime, hold_id: str, order_id: str) -> bool:
    """Whether this call freed the hold. 404 ``no-hold`` for an unknown hold, 409
    ``hold-taken`` when another order took it; a hold no order took is not the order's to
    give back (False, nothing changes). Repeating it, the goods are freed again in the
    inventory, which changes nothing unless a process died between ending and freeing."""
    async with SalesUoW(runtime) as uow:
        found = await uow.records.get(hold_id)
    if found is None:
        raise NotFound("no such hold", slug="no-hold")
    if found.order_id not in (None, order_id):
        raise Conflict("another order took this hold", slug="hold-taken")
    if found.order_id is None:
        return False
    live = engine(runtime)
    ended = found.state == "live" and bool(
        await live.ledger.end([found.hold], "released", order_id)
    )
    await live.inventory.release(found.hold.listing_id, hold_id)
    return ended
