"""Orders, payment, fulfilment and my page across four processes (see
:mod:`tests.system.orders_cluster`), driven through the gateway as buyers and sellers would,
waiting by polling where the embedded tests call ``platform.settle()``.

* The stories: a phone paid, shipped and delivered; a deal partly refunded by its seller and
  then cancelled by its buyer; seats turned into QR tickets checked in once — each followed on
  my page, which catches up from the events.
* ``kill -9`` of ordering, and of payment's process, while a batch of sagas is in flight
  (approvals captured, events on their way, buyers cancelling): after the restart every order
  ends CONFIRMED or CANCELLED with no step pending, each order's money is right and nothing is
  charged twice.
* Another buyer, or another business, can neither read nor pay, cancel or refund an order.
"""

# ruff: noqa: T201 (the crash test reports what the kill caught)
from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.system.orders_api import (
    MYPAGE,
    ORDERS,
    PAYMENT,
    Api,
    Crash,
    saga_campaign,
    settled,
    status_is,
)
from tests.system.orders_cluster import (
    ADDRESS,
    Cluster,
    Shop,
    rental_days,
    restart_back,
)
from tests.system.orders_shop import (
    business,
    checkin_code,
    gateway_client,
    with_shop,
)
from tests.system.sales_crash_support import until

pytestmark = pytest.mark.system


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One cluster for the module, with the business's shop open; removed even on failure."""
    with with_shop(tmp_path_factory.mktemp("orders")) as made:
        yield made


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with gateway_client() as made:
        yield made


@pytest.fixture
def shop(cluster: Cluster) -> Shop:
    assert cluster.shop is not None
    return cluster.shop


# -- the stories -------------------------------------------------------------------------------


async def test_a_phone_is_paid_shipped_and_delivered_and_my_page_follows(
    cluster: Cluster, client: httpx.AsyncClient, shop: Shop
) -> None:
    """The seller ships and delivers; the buyer cannot ship it, nor cancel once shipped."""
    api, [buyer] = Api(client, cluster), await cluster.buyers(client)
    made = await api.place(buyer, {"listing_id": shop.phone_id, "shop_id": shop.shop_id}, **ADDRESS)
    order = f"{ORDERS}/{made['order_id']}"
    await api.pay(buyer, made["order_id"])
    confirmed = await api.when(buyer, order, status_is("CONFIRMED"))
    assert confirmed["paid"] == made["amount"] > 0
    delivery = f"/api/fulfilment/deliveries/{confirmed['fulfilment']['delivery_id']}"
    assert (await api.post(buyer, f"{delivery}/ship")).status_code == 403
    assert (await api.post(shop.seller, f"{delivery}/ship")).status_code == 200
    await api.when(buyer, order, status_is("SHIPPED"))
    assert (await api.post(buyer, f"{order}/cancel")).status_code == 409  # too late
    assert (await api.post(shop.seller, f"{delivery}/deliver")).status_code == 200
    await api.when(buyer, order, status_is("COMPLETED"))
    page = await api.when(
        buyer,
        f"{MYPAGE}/{made['order_id']}",
        lambda p: p["status"] == "COMPLETED" and p["delivery"]["state"] == "delivered",
    )
    moves = [e["status"] for e in page["timeline"] if e["what"] == "order_status_changed"]
    assert moves == ["PAID", "CONFIRMED", "SHIPPED", "COMPLETED"], page["timeline"]
    assert page["payment"]["state"] == "approved"
    assert page["payment"]["captured"] == made["amount"] and page["payment"]["refunded_total"] == 0


async def test_a_deal_refunded_in_part_by_its_seller_then_cancelled_nets_zero(
    cluster: Cluster, client: httpx.AsyncClient, shop: Shop
) -> None:
    """Paid in async mode; the seller's refund (once per Idempotency-Key) leaves the order
    sold; the buyer's cancel refunds the rest."""
    api, [buyer] = Api(client, cluster), await cluster.buyers(client)
    made = await api.place(buyer, {"listing_id": shop.deal_id, "quantity": 2}, **ADDRESS)
    order, amount = f"{ORDERS}/{made['order_id']}", made["amount"]
    payment = await api.pay(buyer, made["order_id"], mode="async")
    assert payment["status"] == "approving"
    await api.when(buyer, order, status_is("CONFIRMED"))
    refund, key = f"{PAYMENT}/payments/{payment['payment_id']}/refund", {"Idempotency-Key": "r1"}
    part = await api.post(shop.seller, refund, {"amount": 5000}, **key)
    assert part.status_code == 201, part.text
    again = await api.post(shop.seller, refund, {"amount": 5000}, **key)
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert await api.money(buyer, made["order_id"]) == (amount, 5000)
    assert (await api.when(buyer, order, settled))["status"] == "CONFIRMED"  # still sold
    cancelled = await api.post(buyer, f"{order}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    done = await api.when(buyer, order, settled)
    assert done["status"] == "CANCELLED" and done["refunded"] == done["paid"] == amount
    assert await api.money(buyer, made["order_id"]) == (amount, amount)
    page = await api.when(
        buyer,
        f"{MYPAGE}/{made['order_id']}",
        lambda p: p["status"] == "CANCELLED" and p["payment"]["refunded_total"] == amount,
    )
    assert page["payment"]["state"] == "refunded" and page["delivery"]["state"] == "cancelled"
    assert [e["what"] for e in page["timeline"]].count("payment_refunded") == 2


async def test_seats_become_qr_tickets_checked_in_once(
    cluster: Cluster, client: httpx.AsyncClient, shop: Shop
) -> None:
    """Two seats, two tickets; the QR code is the buyer's; a ticket is checked in once."""
    api, [buyer] = Api(client, cluster), await cluster.buyers(client)
    made = await api.place(buyer, {"listing_id": shop.show_id, "seat_ids": shop.seats[:2]})
    order = f"{ORDERS}/{made['order_id']}"
    await api.pay(buyer, made["order_id"])
    confirmed = await api.when(buyer, order, status_is("CONFIRMED"))
    first, second = confirmed["fulfilment"]["ticket_ids"]
    ticket = f"/api/fulfilment/tickets/{first}"
    shown = await api.get(buyer, ticket)
    assert shown.status_code == 200 and "code" not in shown.json(), shown.text
    qr = await api.get(buyer, f"{ticket}/qr.svg")
    assert qr.status_code == 200 and qr.content.lstrip().startswith(b"<"), qr.text
    body = {"code": await checkin_code(cluster, first)}
    assert (await api.post(shop.seller, f"{ticket}/checkin", body)).status_code == 200
    assert (await api.post(shop.seller, f"{ticket}/checkin", body)).status_code == 409  # used
    await api.when(buyer, order, status_is("COMPLETED"))
    page = await api.when(buyer, f"{MYPAGE}/{made['order_id']}", status_is("COMPLETED"))
    tickets = {t["ticket_id"]: t["state"] for t in page["tickets"]}
    assert tickets == {first: "checked_in", second: "issued"}, page["tickets"]


async def test_a_car_is_rented_and_returned_or_cancelled_and_its_status_follows(
    cluster: Cluster, client: httpx.AsyncClient, shop: Shop
) -> None:
    """Reserve → pay → pick up → return, the car's status following in the catalog; a second
    rental paid then cancelled is refunded, its booking called off and the car free again."""
    api, (buyer, other) = Api(client, cluster), await cluster.buyers(client, 2)
    car = f"{cluster.url}/api/catalog/listings/{shop.car_id}"

    async def car_is(status: str) -> None:
        await until(
            f"the car {status}",
            30,
            lambda: client.get(car),
            lambda r: r.status_code == 200 and r.json()["car"]["car_status"] == status,
        )

    made = await api.place(buyer, {"listing_id": shop.car_id, **rental_days(10)})
    order = f"{ORDERS}/{made['order_id']}"
    await car_is("reserved")
    await api.pay(buyer, made["order_id"])
    confirmed = await api.when(buyer, order, status_is("CONFIRMED"))
    rental = f"/api/fulfilment/rentals/{confirmed['fulfilment']['rental_id']}"
    assert (await api.post(shop.admin, f"{rental}/pickup")).status_code == 200
    await api.when(buyer, order, status_is("RENTED"))
    await car_is("rented")
    assert (await api.post(shop.admin, f"{rental}/return")).status_code == 200
    await api.when(buyer, order, status_is("COMPLETED"))
    await car_is("available")
    second = await api.place(other, {"listing_id": shop.car_id, **rental_days(20)})
    await api.pay(other, second["order_id"])
    paid = await api.when(other, f"{ORDERS}/{second['order_id']}", status_is("CONFIRMED"))
    assert (await api.post(other, f"{ORDERS}/{second['order_id']}/cancel")).status_code == 200
    done = await api.when(other, f"{ORDERS}/{second['order_id']}", settled)
    assert done["status"] == "CANCELLED" and done["refunded"] == done["paid"] > 0
    booking = f"/api/fulfilment/rentals/{paid['fulfilment']['rental_id']}"
    await api.when(shop.admin, booking, lambda r: r["state"] == "cancelled")
    await car_is("available")


# -- kill -9 of ordering mid-saga ----------------------------------------------------------------


async def test_kill_9_of_ordering_mid_saga_ends_every_order_final_with_the_money_right(
    cluster: Cluster, client: httpx.AsyncClient, shop: Shop
) -> None:
    """12 orders paid for (async approvals), four of them cancelled, while ordering is killed
    and restarted: all end as planned, each with its money right (``saga_campaign``)."""
    crash = Crash(cluster)
    late = await saga_campaign(Api(client, cluster), cluster, shop, crash)
    print("\n" + crash.summary("ordering", late))


async def test_kill_9_of_payment_mid_saga_ends_every_order_final_with_the_money_right(
    cluster: Cluster, client: httpx.AsyncClient, shop: Shop
) -> None:
    """The same with process C killed (payment, fulfilment, my page, notification): approvals
    sent while it is away are sent again once it is back, captures in flight are settled by
    the reconciler, and my page catches up from the events."""
    crash = Crash(cluster, restart_back)
    late = await saga_campaign(Api(client, cluster), cluster, shop, crash)
    print("\n" + crash.summary("payment", late))


# -- broken object-level authorisation ---------------------------------------------------------


async def test_nobody_else_reads_pays_cancels_or_refunds_an_order(
    cluster: Cluster, client: httpx.AsyncClient, shop: Shop
) -> None:
    """Another buyer gets 404 for the order, its payment, its card and its delivery, and
    cannot pay, cancel or refund it (403: refunds are for businesses); another business gets
    404 for all of that and for shipping it. The order stays as it was."""
    api, (owner, other) = Api(client, cluster), await cluster.buyers(client, 2)
    rival = await business(client, cluster, shop.admin)  # another approved business
    made = await api.place(owner, {"listing_id": shop.deal_id, "quantity": 1}, **ADDRESS)
    order_id, payment_id = made["order_id"], (await api.pay(owner, made["order_id"]))["payment_id"]
    before = await api.when(owner, f"{ORDERS}/{order_id}", settled)
    delivery = f"/api/fulfilment/deliveries/{before['fulfilment']['delivery_id']}"
    refund, key = f"{PAYMENT}/payments/{payment_id}/refund", {"Idempotency-Key": "bola-1"}
    reads = [f"{ORDERS}/{order_id}", f"{MYPAGE}/{order_id}", f"{PAYMENT}/payments/{payment_id}"]
    for who in (other, rival):
        for path in [*reads, f"{PAYMENT}/orders/{order_id}/payment", delivery]:
            assert (await api.get(who, path)).status_code == 404, path
        paid = await api.post(who, f"{PAYMENT}/payments", {"order_id": order_id})
        assert paid.status_code == 404, paid.text
        assert (await api.post(who, f"{ORDERS}/{order_id}/cancel")).status_code == 404
    assert (await api.post(other, refund, {}, **key)).status_code == 403  # not a business
    assert (await api.post(rival, refund, {}, **key)).status_code == 404
    assert (await api.post(rival, f"{delivery}/ship")).status_code == 404
    after = await api.when(owner, f"{ORDERS}/{order_id}", settled)
    kept = ("status", "paid", "refunded", "payment_id", "fulfilment")
    assert {k: after[k] for k in kept} == {k: before[k] for k in kept}
    assert before["status"] == "CONFIRMED"
    assert await api.money(owner, order_id) == (made["amount"], 0)
    mine = await api.get(owner, f"{PAYMENT}/orders/{order_id}/payment")
    assert mine.json()["payment_id"] == payment_id  # no second payment was started
