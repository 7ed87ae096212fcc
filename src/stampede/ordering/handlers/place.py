"""Turning a buyer's hold into an order awaiting payment.

1. The hold is looked at first (sales, with the buyer's own token: someone else's hold is a
   404), so a body that does not fit it (no address for goods, another shop) is a 422 that
   costs the buyer nothing.
2. A *placement* row is written, then sales is asked to take the hold for the order (the hold
   stops expiring). If this process dies between the two, the saga driver finds the placement
   and gives the hold back; a retry of the same request by the same buyer reuses it.
3. The order is priced from ordering's copy of the catalog and written with its saga steps,
   OrderPlaced and the Idempotency-Key's answer, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from stampede.kernel.auth import Principal
from stampede.kernel.errors import Conflict, NotFound, Unavailable, Unprocessable
from stampede.kernel.idempotency import Reply, Slot
from stampede.kernel.internal import Caller
from stampede.kernel.module import Runtime
from stampede.kernel.sqltypes import new_id
from stampede.ordering.domain import saga
from stampede.ordering.domain.orders import LISTING_KIND, SHIPPED_KINDS, Order, amount_due
from stampede.ordering.saga.calls import give_back
from stampede.ordering.saga.transitions import MOVES, placed_event
from stampede.ordering.store import OrderingUoW
from stampede.ordering.views import order_view
from stampede.sales.contracts import TakeHold, TakenHold


@dataclass(frozen=True)
class PlaceAsk:
    hold_id: str
    shipping_address: str | None = None
    shop_id: str | None = None


async def _peek(runtime: Runtime, token: str, hold_id: str) -> dict[str, Any]:
    reply = await runtime.calls.request(
        "sales", "GET", f"/api/sales/holds/{hold_id}", headers={"authorization": f"Bearer {token}"}
    )
    if reply.status_code == 404:
        raise NotFound("no such hold", slug="no-hold")
    if reply.status_code != 200:
        raise Unavailable("holds cannot be read right now; try again")
    hold: dict[str, Any] = reply.json()
    if hold["state"] != "live":
        raise Conflict("the hold has ended; hold the goods again", slug="hold-ended")
    return hold


def _check_fit(hold: dict[str, Any], ask: PlaceAsk) -> None:
    if hold["kind"] in SHIPPED_KINDS and not (ask.shipping_address or "").strip():
        raise Unprocessable("shipping_address is required for goods", slug="address-required")
    if ask.shop_id is not None and hold["kind"] != "unit":
        raise Unprocessable("shop_id fits only a phone order", slug="shop-not-applicable")


async def _placement(runtime: Runtime, user: Principal, hold_id: str) -> str:
    """The order id for this hold: a new one, or the one an earlier attempt left behind."""
    async with OrderingUoW(runtime) as uow:
        if await uow.orders.by_hold(hold_id) is not None:
            raise Conflict("this hold is already an order", slug="order-exists")
        found = await uow.placements.of_hold(hold_id)
        if found is not None:
            if found.user_id != user.user_id:
                raise NotFound("no such hold", slug="no-hold")
            return str(found.order_id)
        order_id = new_id()
        await uow.placements.add(order_id, hold_id, user.user_id, runtime.now())
        await uow.commit()
    return order_id


async def _take(runtime: Runtime, user: Principal, hold_id: str, order_id: str) -> TakenHold:
    body = TakeHold(order_id=order_id, user_id=user.user_id).model_dump()
    found = await Caller(runtime).command(
        "sales", "POST", f"/internal/sales/holds/{hold_id}/take", body
    )
    return TakenHold.model_validate(found)


async def _order(uow: OrderingUoW, taken: TakenHold, ask: PlaceAsk) -> Order:
    listing = await uow.copies.listing(taken.listing_id)
    if listing is None or listing.deleted:
        raise Unavailable("this listing is not known here yet; try again shortly")
    if ask.shop_id is not None and ask.shop_id != taken.shop_id:
        raise Unprocessable("the held phone is at another shop", slug="wrong-shop")
    seat_rows = await uow.copies.seats_of(taken.seat_ids)
    held = taken.model_dump()
    amount = amount_due(
        taken.kind, await uow.copies.prices(listing, taken.shop_id, seat_rows), held
    )
    if amount is None:
        raise Unavailable("the price of this listing is not known here yet; try again shortly")
    now = uow.runtime.now()
    return Order(
        order_id=taken.order_id,
        user_id=taken.user_id,
        seller_id=await uow.copies.owner_of(listing.company_id),
        company_id=listing.company_id,
        listing_id=taken.listing_id,
        listing_kind=LISTING_KIND[taken.kind],
        kind=taken.kind,
        title=listing.title,
        hold_id=taken.hold_id,
        amount=amount,
        status="PENDING_PAYMENT",
        payment_due_at=now + timedelta(seconds=uow.runtime.settings.payment_due_s),
        created_at=now,
        quantity=taken.quantity,
        seat_ids=list(taken.seat_ids),
        seat_labels=[row.label for row in sorted(seat_rows, key=lambda r: r.label)],
        session_starts_at=min((row.starts_at for row in seat_rows), default=None),
        unit_id=taken.unit_id,
        shop_id=taken.shop_id,
        start_date=taken.start_date,
        end_date=taken.end_date,
        shipping_address=(ask.shipping_address or "").strip() or None,
    )


async def place_order(
    runtime: Runtime, user: Principal, token: str, ask: PlaceAsk, slot: Slot
) -> Reply:
    """201 with the order (PENDING_PAYMENT); see the module doc for each step's failures."""
    _check_fit(await _peek(runtime, token, ask.hold_id), ask)
    order_id = await _placement(runtime, user, ask.hold_id)
    taken = await _take(runtime, user, ask.hold_id, order_id)
    try:
        return await _record(runtime, taken, ask, slot)
    except (Unavailable, Unprocessable):
        await give_back(runtime, ask.hold_id, order_id)
        await _forget_placement(runtime, order_id)
        raise


async def _record(runtime: Runtime, taken: TakenHold, ask: PlaceAsk, slot: Slot) -> Reply:
    async with OrderingUoW(runtime) as uow:
        order = await _order(uow, taken, ask)
        await uow.orders.add(order)
        await uow.placements.remove(order.order_id)
        await uow.steps.put(order.order_id, saga.TAKE_HOLD, "done", order.created_at)
        await uow.steps.put(order.order_id, saga.PAY, "pending", order.payment_due_at)
        uow.emit(placed_event(order), subject=order.order_id)
        reply = Reply(201, order_view(order))
        await slot.keep(uow.session, reply)
        await uow.commit()
    MOVES.labels(order.status).inc()
    return reply


async def _forget_placement(runtime: Runtime, order_id: str) -> None:
    async with OrderingUoW(runtime) as uow:
        await uow.placements.remove(order_id)
        await uow.commit()
