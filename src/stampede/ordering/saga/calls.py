"""The saga's commands to other contexts. Each is idempotent on the other side, keyed by the
order, so running one again after a crash or a lost reply has no second effect."""

from __future__ import annotations

from stampede.fulfilment.contracts import ArrangeAsk, Arranged
from stampede.kernel.internal import Caller
from stampede.kernel.module import Runtime
from stampede.ordering.domain.orders import Order
from stampede.payment.contracts import RefundAnswer, RefundAsk, VoidAnswer
from stampede.sales.contracts import GiveBackHold, GivenBack


async def arrange(runtime: Runtime, order: Order) -> Arranged:
    ask = ArrangeAsk(
        order_id=order.order_id,
        user_id=order.user_id,
        seller_id=order.seller_id,
        listing_id=order.listing_id,
        kind=order.kind,
        title=order.title,
        quantity=order.quantity,
        unit_id=order.unit_id,
        shop_id=order.shop_id,
        shipping_address=order.shipping_address,
        seat_ids=order.seat_ids,
        seat_labels=order.seat_labels,
        session_starts_at=order.session_starts_at,
        start_date=order.start_date,
        end_date=order.end_date,
    )
    body = ask.model_dump(mode="json")
    found = await Caller(runtime).command("fulfilment", "POST", "/internal/fulfilment/orders", body)
    return Arranged.model_validate(found)


async def cancel_fulfilment(runtime: Runtime, order_id: str) -> Arranged:
    path = f"/internal/fulfilment/orders/{order_id}/cancel"
    return Arranged.model_validate(await Caller(runtime).command("fulfilment", "POST", path))


async def void_payment(runtime: Runtime, order_id: str) -> VoidAnswer:
    path = f"/internal/payment/orders/{order_id}/void"
    return VoidAnswer.model_validate(await Caller(runtime).command("payment", "POST", path))


async def refund(runtime: Runtime, order_id: str) -> RefundAnswer:
    """Everything not yet refunded of the order's payment, once (key ``<order>:cancel``)."""
    body = RefundAsk(key=f"{order_id}:cancel", reason="order_cancelled").model_dump()
    path = f"/internal/payment/orders/{order_id}/refund"
    return RefundAnswer.model_validate(await Caller(runtime).command("payment", "POST", path, body))


async def give_back(runtime: Runtime, hold_id: str, order_id: str) -> GivenBack:
    body = GiveBackHold(order_id=order_id).model_dump()
    path = f"/internal/sales/holds/{hold_id}/give-back"
    return GivenBack.model_validate(await Caller(runtime).command("sales", "POST", path, body))
