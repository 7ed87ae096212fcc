"""How ordering shows orders, their saga and sales history in API answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from stampede.ordering.domain.orders import Order


def _iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def order_view(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "status": order.status,
        "reason": order.reason,
        "listing_id": order.listing_id,
        "listing_kind": order.listing_kind,
        "kind": order.kind,
        "title": order.title,
        "hold_id": order.hold_id,
        "amount": order.amount,
        "paid": order.paid,
        "refunded": order.refunded,
        "payment_id": order.payment_id,
        "quantity": order.quantity,
        "seat_ids": order.seat_ids,
        "seat_labels": order.seat_labels,
        "session_starts_at": _iso(order.session_starts_at),
        "unit_id": order.unit_id,
        "shop_id": order.shop_id,
        "start_date": _iso(order.start_date),
        "end_date": _iso(order.end_date),
        "shipping_address": order.shipping_address,
        "fulfilment": order.fulfilment,
        "payment_due_at": _iso(order.payment_due_at),
        "created_at": _iso(order.created_at),
    }


def steps_view(rows: list[Any]) -> list[dict[str, Any]]:
    return [
        {"step": row.step, "state": row.state, "attempts": row.attempts, "at": _iso(row.updated_at)}
        for row in rows
    ]


def history_view(totals: list[Any], recent: list[Order]) -> dict[str, Any]:
    listings = [
        {
            "listing_id": row.listing_id,
            "title": row.title,
            "orders": int(row.orders),
            "completed": int(row.completed or 0),
            "cancelled": int(row.cancelled or 0),
            "revenue": int(row.paid) - int(row.refunded),
            "paid": int(row.paid),
            "refunded": int(row.refunded),
        }
        for row in totals
    ]
    orders = [
        {k: v for k, v in order_view(o).items() if k not in ("shipping_address", "hold_id")}
        for o in recent
    ]
    return {"listings": listings, "orders": orders}
