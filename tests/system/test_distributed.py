"""Identity, notification and gateway as separate processes on PostgreSQL, RabbitMQ and Redis.

The flow a user runs (sign up, log in, read the profile) works through the gateway process, and
a ``kill -9`` of identity loses no account and no outbox event: every verification mail is
written (by notification's mail worker, into ``<data dir>/mail``) once the restarted process
relays what was pending.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import aio_pika
import httpx
import pytest

from tests.system.processes import Process, free_port, wait_healthy

pytestmark = pytest.mark.system
QUEUES = [
    f"notification.{handler}"
    for handler in (
        "account_registered",
        "profile_updated",
        "verification_requested",
        "keyword_subscribed",
        "keyword_unsubscribed",
        "alert_due",
        "listing_published",
        "send_verification_mail",
        "send_mail",
    )
]
EXCHANGES = ("identity.events", "catalog.events", "notification.events", "stampede.dead-letter")


@pytest.fixture
def cluster(
    tmp_path: Path, postgres_url: str, other_postgres_url: str, amqp_url: str, redis_url: str
) -> Iterator[dict[str, Process | str]]:
    identity_port, gateway_port, notification_port = free_port(), free_port(), free_port()
    namespace = f"t{uuid.uuid4().hex[:8]}."
    env = {
        "IDENTITY_DATABASE_URL": postgres_url,
        "NOTIFICATION_DATABASE_URL": other_postgres_url,
        "BUS_URL": amqp_url,
        "STORE_URL": redis_url,
        "STAMPEDE_DATA_DIR": str(tmp_path),
        "IDENTITY_URL": f"http://127.0.0.1:{identity_port}",
        "STAMPEDE_DEMO": "false",
        "BUS_NAMESPACE": namespace,
    }
    identity = Process(
        ["serve", "identity", "--port", str(identity_port)], env, tmp_path / "identity.log"
    )
    gateway = Process(
        ["serve", "gateway", "--port", str(gateway_port)], env, tmp_path / "gateway.log"
    )
    notification = Process(
        ["serve", "notification", "--port", str(notification_port)],
        env,
        tmp_path / "notification.log",
    )
    for process in (identity, notification, gateway):
        process.start()
    try:
        wait_healthy(f"http://127.0.0.1:{identity_port}", identity)
        wait_healthy(f"http://127.0.0.1:{notification_port}", notification)
        wait_healthy(f"http://127.0.0.1:{gateway_port}", gateway)
        yield {
            "identity": identity,
            "gateway": gateway,
            "identity_url": f"http://127.0.0.1:{identity_port}",
            "url": f"http://127.0.0.1:{gateway_port}",
        }
    finally:
        gateway.stop()
        notification.stop()
        identity.stop()
        asyncio.run(drop_topology(amqp_url, namespace))


async def drop_topology(amqp_url: str, namespace: str) -> None:
    """Delete what this run declared on the shared broker."""
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        for queue in QUEUES:
            for name in (queue, f"{queue}.dead"):
                await channel.queue_delete(namespace + name)
        for exchange in EXCHANGES:
            await channel.exchange_delete(namespace + exchange)


def signup(url: str, email: str) -> httpx.Response:
    return httpx.post(
        f"{url}/api/identity/signup",
        timeout=10,
        json={"email": email, "password": "distributed pw", "name": "Dist"},
    )


def test_sign_up_log_in_and_read_the_profile_across_processes(
    cluster: dict[str, Process | str],
) -> None:
    url = str(cluster["url"])
    assert signup(url, "d1@example.com").status_code == 201
    login = httpx.post(
        f"{url}/api/identity/login",
        timeout=10,
        json={"email": "d1@example.com", "password": "distributed pw"},
    )
    assert login.status_code == 200
    token = login.json()["access_token"]
    me = httpx.get(f"{url}/api/identity/me", headers={"authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["email"] == "d1@example.com"
    assert (
        httpx.get(
            f"{url}/api/identity/me", headers={"authorization": f"Bearer {token[:-4]}AAAA"}
        ).status_code
        == 401
    )


def test_killing_identity_loses_no_account_and_no_event(
    cluster: dict[str, Process | str], tmp_path: Path
) -> None:
    url, identity = str(cluster["url"]), cluster["identity"]
    assert isinstance(identity, Process)
    emails = [f"k{n}@example.com" for n in range(20)]
    for email in emails:
        assert signup(url, email).status_code == 201
    identity.kill()
    assert httpx.get(f"{url}/api/identity/me", timeout=10).status_code in (401, 503)
    identity.start()
    wait_healthy(str(cluster["identity_url"]), identity)
    for email in emails:
        assert signup(url, email).status_code == 409  # the account survived
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _unmailed(tmp_path / "mail", emails):
        time.sleep(0.2)
    assert _unmailed(tmp_path / "mail", emails) == []
    assert len(list((tmp_path / "mail").glob("*.eml"))) == len(emails)  # once each


def _unmailed(folder: Path, emails: list[str]) -> list[str]:
    text = "".join(f.read_text() for f in folder.glob("*.eml")) if folder.exists() else ""
    return [email for email in emails if email not in text]
