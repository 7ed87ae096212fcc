"""What buyers and sellers do in the distributed orders test, through the gateway of its
cluster: place, pay, approve, wait until an order or a card shows a state, read the money."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from stampede.fakepg.buyer import approve_at_page, pg_token
from tests.system.orders_cluster import Cluster
from tests.system.sales_crash_support import Buyer, until

Json = dict[str, Any]
ORDERS, PAYMENT, MYPAGE = "/api/ordering/orders", "/api/payment", "/api/mypage/orders"


class Api:
    """One client of the gateway of ``cluster``."""

    def __init__(self, client: httpx.AsyncClient, cluster: Cluster) -> None:
        self.client, self.url = client, cluster.url

    async def post(self, who: Buyer, path: str, body: Any = None, **headers: str) -> httpx.Response:
        return await self.client.post(f"{self.url}{path}", headers=who.auth | headers, json=body)

    async def get(self, who: Buyer, path: str) -> httpx.Response:
        return await self.client.get(f"{self.url}{path}", headers=who.auth)

    async def place(self, buyer: Buyer, hold: Json, **extra: Any) -> Json:
        """Hold, then order: the order, PENDING_PAYMENT."""
        held = await self.post(buyer, "/api/sales/holds", hold)
        assert held.status_code == 201, held.text
        made = await self.post(buyer, ORDERS, {"hold_id": held.json()["hold_id"], **extra})
        assert made.status_code == 201 and made.json()["status"] == "PENDING_PAYMENT", made.text
        return dict(made.json())

    async def start_paying(self, buyer: Buyer, order_id: str) -> Json:
        started = await self.post(buyer, f"{PAYMENT}/payments", {"order_id": order_id})
        assert started.status_code == 201, started.text
        return dict(started.json())

    async def approve(self, buyer: Buyer, payment: Json, mode: str) -> httpx.Response:
        """Press Approve at the provider's page, then give payment the ``pg_token``."""
        [callback] = await approve_at_page(self.client, payment["redirect_url"])
        path = f"{PAYMENT}/payments/{payment['payment_id']}/approve?mode={mode}"
        return await self.post(buyer, path, {"pg_token": pg_token(callback)})

    async def pay(self, buyer: Buyer, order_id: str, mode: str = "sync") -> Json:
        """Pay the order (sync: answered approved; async: 202 approving): the payment."""
        approved = await self.approve(buyer, await self.start_paying(buyer, order_id), mode)
        assert approved.status_code == (200 if mode == "sync" else 202), approved.text
        return dict(approved.json())

    async def when(
        self, who: Buyer, path: str, done: Callable[[Json], bool], timeout_s: float = 30
    ) -> Json:
        """What ``path`` shows (read every 0.2 s) once ``done`` says it has got there."""
        reply = await until(
            path,
            timeout_s,
            lambda: self.get(who, path),
            lambda r: r.status_code == 200 and done(r.json()),
        )
        return dict(reply.json())

    async def money(self, buyer: Buyer, order_id: str) -> tuple[int, int]:
        """Captured and refunded of the order's payment; (0, 0) when it never had one."""
        found = await self.get(buyer, f"{PAYMENT}/orders/{order_id}/payment")
        if found.status_code == 404:
            return 0, 0
        assert found.status_code == 200, found.text
        return int(found.json()["captured"]), int(found.json()["refunded_total"])


def status_is(*statuses: str) -> Callable[[Json], bool]:
    return lambda order: order["status"] in statuses


def settled(order: Json) -> bool:
    """Final (CONFIRMED or CANCELLED) with no saga step still pending."""
    return order["status"] in ("CONFIRMED", "CANCELLED") and all(
        step["state"] != "pending" for step in order["saga"]
    )
