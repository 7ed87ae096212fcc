"""``kill -9`` of RabbitMQ mid-saga: every event still reaches every consumer once.

The four processes of the distributed orders test (``orders_cluster.py``) on a RabbitMQ node of
this test's own, never the machine's. While 12 orders are paid for (async approvals) and four
cancelled, the node is killed with SIGKILL and booted again on its files (a few seconds away),
then killed and booted again just as the contexts connect again: the outboxes hold what the
contexts publish meanwhile and send it once the node is back, the consumers connect again, and
redelivered messages meet the inboxes. Then every order ends as
planned with no saga step pending, my page shows each so, the money is right and nothing is
charged twice (``orders_api.saga_campaign``).
"""

# ruff: noqa: T201 (the campaign reports how long the broker was away)
from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.system.orders_api import Api, Crash, saga_campaign
from tests.system.orders_cluster import Cluster
from tests.system.orders_shop import gateway_client, with_shop
from tests.system.servers import RabbitServer

pytestmark = pytest.mark.system


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RabbitServer]:
    server = RabbitServer(tmp_path_factory.mktemp("broker") / "rabbitmq.log")
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, broker: RabbitServer) -> Iterator[Cluster]:
    with with_shop(tmp_path_factory.mktemp("orders"), bus_url=broker.url) as made:
        yield made


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with gateway_client() as made:
        yield made


AGAIN_AFTER_S = 0.3  # the second kill: as the contexts connect again and drain their outboxes


def restart_broker(broker: RabbitServer) -> float:
    """``kill -9`` of the node, booted again, killed again a moment later and booted again;
    seconds until it last spoke AMQP."""
    began = time.monotonic()
    broker.kill()
    broker.restart()
    time.sleep(AGAIN_AFTER_S)
    broker.kill()
    broker.restart()
    return time.monotonic() - began


async def test_kill_9_of_rabbitmq_mid_saga_ends_every_order_final_with_the_money_right(
    cluster: Cluster, client: httpx.AsyncClient, broker: RabbitServer
) -> None:
    assert cluster.shop is not None
    crash = Crash(cluster, lambda _: restart_broker(broker))
    late = await saga_campaign(Api(client, cluster), cluster, cluster.shop, crash)
    print("\n" + crash.summary("RabbitMQ", late))
