"""What buyers and sellers do in the distributed orders test, through the gateway of its
cluster: place, pay, approve, cancel, wait until an order or a card shows a state, read the
money — and the crash of ordering the kill test brings about."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from stampede.fakepg.buyer import approve_at_page, pg_token
from tests.system.orders_cluster import ADDRESS, Cluster, Shop, restart_ordering
from tests.system.orders_shop import approvals
from tests.system.sales_crash_support import Buyer, until

Json = dict[str, Any]
ORDERS, PAYMENT, MYPAGE = "/api/ordering/orders", "/api/payment", "/api/mypage/orders"
AWAY = (502, 503, 504)  # the gateway could not reach ordering


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


class Crash:
    """``kill -9`` at a moment of the drive, then a new one: of process B unless ``restart``
    says otherwise (it kills, starts again and answers the seconds until ready). Who found
    ordering away waits for :attr:`back` before asking again (so the gateway's circuit breaker
    for ordering, opened by five failed calls in a row, stays closed)."""

    def __init__(
        self, cluster: Cluster, restart: Callable[[Cluster], float] = restart_ordering
    ) -> None:
        self.cluster, self.restart, self.back = cluster, restart, asyncio.Event()
        self.at, self.ready_s = 0.0, 0.0
        self.away = 0  # requests answered 502/503/504 meanwhile (and sent again)

    async def run(self, after_s: float) -> None:
        await asyncio.sleep(after_s)
        self.at = time.time()
        self.ready_s = await asyncio.to_thread(self.restart, self.cluster)
        self.back.set()

    def summary(self, victim: str, late: int) -> str:
        return (
            f"{victim} ready {self.ready_s:.1f}s after the kill; {late} orders learned of their "
            f"payment late; {self.away} requests found something away and were sent again"
        )

    def after(self, order: Json, step: str) -> bool:
        """Whether ``step`` of the order was done after the kill."""
        done = [s["at"] for s in order["saga"] if s["step"] == step and s["state"] == "done"]
        return any(datetime.fromisoformat(at).timestamp() > self.at for at in done)


async def cancel_through(api: Api, crash: Crash, buyer: Buyer, order_id: str) -> None:
    """Cancel until it is done: again while payment's approval is with the provider (409
    ``approval-in-flight``) and, once ordering is back, after it was away."""
    deadline = time.monotonic() + 40
    while (reply := await api.post(buyer, f"{ORDERS}/{order_id}/cancel")).status_code != 200:
        in_flight = reply.status_code == 409 and "approval-in-flight" in reply.text
        assert in_flight or reply.status_code in AWAY, reply.text
        assert time.monotonic() < deadline, f"cancel of {order_id}: {reply.text}"
        if reply.status_code in AWAY:
            crash.away += 1
            await crash.back.wait()
        await asyncio.sleep(0.2)


async def approve_through(api: Api, crash: Crash, buyer: Buyer, payment: Json) -> None:
    """Approve at the provider's page once, then hand payment the ``pg_token`` (async) until it
    answers: again with the same token once payment is back, after it was away (the answer
    is the payment's state: approving, or approved already)."""
    [callback] = await approve_at_page(api.client, payment["redirect_url"])
    path = f"{PAYMENT}/payments/{payment['payment_id']}/approve?mode=async"
    deadline = time.monotonic() + 40
    while (
        reply := await api.post(buyer, path, {"pg_token": pg_token(callback)})
    ).status_code in AWAY:
        assert time.monotonic() < deadline, f"approval of {payment['payment_id']}: {reply.text}"
        crash.away += 1
        await crash.back.wait()
        await asyncio.sleep(0.2)
    assert reply.status_code in (200, 202), reply.text


async def act(api: Api, crash: Crash, plan: str, buyer: Buyer, payment: Json) -> None:
    """Approve (async: payment captures in the background) and/or cancel, as ``plan`` says."""
    if "pay" in plan:
        await approve_through(api, crash, buyer, payment)
    if "cancel" in plan:
        await cancel_through(api, crash, buyer, payment["order_id"])


BUYERS, EACH = 4, 3  # 12 orders of one piece; each buyer costs two argon2 hashes
PLANS = ["pay"] * 8 + ["pay, cancel"] * 2 + ["cancel"] * 2  # what happens to each order
STEP_S = 0.12  # between one order's approval (or cancel) and the next
KILL_AT_S = 0.5  # into the drive: some sagas are done, some in flight, some not begun


async def saga_campaign(api: Api, cluster: Cluster, shop: Shop, crash: Crash) -> int:
    """12 orders paid for (async approvals, one every :data:`STEP_S`), four of them cancelled,
    while ``crash`` kills something at :data:`KILL_AT_S`: every order ends as planned with no
    step pending, my page shows it so, its money is right and nothing is charged twice. The
    number of orders that learned of their payment after the kill (at least one)."""
    buyers = await cluster.buyers(api.client, BUYERS) * EACH
    piece = {"listing_id": shop.deal_id, "quantity": 1}
    orders = [await api.place(b, piece, **ADDRESS) for b in buyers]
    owned = [(b, o["order_id"]) for b, o in zip(buyers, orders, strict=True)]
    payments = [await api.start_paying(b, i) for b, i in owned]
    approved_before = await approvals(api.client, cluster)

    async def in_turn(n: int, plan: str) -> None:
        await asyncio.sleep(n * STEP_S)
        await act(api, crash, plan, buyers[n], payments[n])

    await asyncio.gather(crash.run(KILL_AT_S), *(in_turn(n, p) for n, p in enumerate(PLANS)))
    ended = await asyncio.gather(
        *(api.when(b, f"{ORDERS}/{i}", settled, timeout_s=40) for b, i in owned)
    )
    expected = ["CANCELLED" if "cancel" in plan else "CONFIRMED" for plan in PLANS]
    assert [o["status"] for o in ended] == expected, ended
    cards = zip(owned, expected, strict=True)  # my page learns it all from the events
    await asyncio.gather(*(api.when(b, f"{MYPAGE}/{i}", status_is(e)) for (b, i), e in cards))
    monies = [await api.money(b, i) for b, i in owned]
    for order, (captured, refunded) in zip(ended, monies, strict=True):
        net = order["amount"] if order["status"] == "CONFIRMED" else 0
        assert captured - refunded == net, (order, captured, refunded)
        assert (order["paid"], order["refunded"]) == (captured, refunded), order
    charged = sum(captured > 0 for captured, _ in monies)
    assert charged == sum("pay" in plan for plan in PLANS)
    assert await approvals(api.client, cluster) - approved_before == charged  # once each
    late = sum(crash.after(order, "pay") for order in ended)
    assert late > 0, "the kill came after every saga was past payment"
    return late
