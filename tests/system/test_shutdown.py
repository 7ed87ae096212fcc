"""SIGTERM mid-load: real ``stampede`` processes drain, answer what they took, lose nothing.

* Embedded (``stampede up``: one process, SQLite, the in-process bus): :data:`SIGNUPS` sign-ups
  (argon2 in a thread, then events and mail) and :data:`READS` catalog reads are sent at once,
  each on its own connection, and SIGTERM follows the first answers. ``/readyz`` answers 503 at
  once while the process keeps serving for ``SHUTDOWN_DELAY_S``; then every request sent gets
  its complete 2xx answer (no 5xx, no reset) and the process exits 0 within the budget.
  Started again on its data, it sends every verification mail exactly once.
* Distributed (``serve identity`` and ``serve notification`` on PostgreSQL, RabbitMQ and Redis):
  identity gets SIGTERM while sign-ups are in flight, notification while it handles their
  events. Both exit 0, every sign-up is answered 201, and once both are started again every
  address has exactly one verification mail: nothing was lost between the outbox (the relay's
  batch finished, the rest kept pending) and the broker (unacked messages requeued).
"""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.system.processes import Process, free_port, serving, wait_healthy
from tests.system.test_distributed import drop_topology

pytestmark = pytest.mark.system
SIGNUPS, READS, TERM_AFTER = 40, 260, 20
DELAY_S, GRACE_S = 2.0, 20.0
DRAIN = {
    "SHUTDOWN_DELAY_S": str(DELAY_S),
    "SHUTDOWN_GRACE_S": str(GRACE_S),
    "RATE_LIMIT_PER_IP": "1000000",  # every request comes from 127.0.0.1
    "STAMPEDE_DEMO": "false",
}


class Load:
    """Requests sent at once, each on its own connection; SIGTERM after the first answers."""

    def __init__(self, url: str, process: Process) -> None:
        self.url, self.process = url, process
        self.answered, self.in_flight_at_term, self.termed_at = 0, 0, 0.0
        self.draining_seen = False
        self.first_answers = asyncio.Event()

    async def run(self, emails: list[str], reads: int) -> list[int | str]:
        limits = httpx.Limits(max_connections=len(emails) + reads, max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=self.url, timeout=60, limits=limits) as client:
            sends = [self._signup(client, email) for email in emails]
            sends += [self._send(client.get("/api/catalog/listings")) for _ in range(reads)]
            term = asyncio.create_task(self._terminate(len(sends)))
            outcomes = await asyncio.gather(*sends)
            await term
        return list(outcomes)

    async def _signup(self, client: httpx.AsyncClient, email: str) -> int | str:
        body = {"email": email, "password": "drain test pw", "name": "Drain"}
        return await self._send(client.post("/api/identity/signup", json=body))

    async def _send(self, request: Awaitable[httpx.Response]) -> int | str:
        """The status, or the name of the error that came instead of an answer."""
        try:
            return (await request).status_code
        except httpx.HTTPError as error:
            return type(error).__name__
        finally:
            self.answered += 1
            if self.answered >= TERM_AFTER:
                self.first_answers.set()

    async def _terminate(self, total: int) -> None:
        await self.first_answers.wait()
        self.in_flight_at_term = total - self.answered
        assert self.process.proc is not None
        self.process.proc.send_signal(signal.SIGTERM)
        self.termed_at = time.monotonic()
        self.draining_seen = await asyncio.to_thread(draining, self.url)


def draining(url: str) -> bool:
    """Whether ``/readyz`` says ``draining`` before the process stops accepting connections
    (a probe it accepted is answered, however busy it is)."""
    deadline = time.monotonic() + DELAY_S
    while time.monotonic() < deadline:
        try:
            ready = httpx.get(f"{url}/readyz", timeout=GRACE_S)
        except httpx.HTTPError:
            return False
        if ready.status_code == 503 and ready.json()["status"] == "draining":
            return True
        time.sleep(0.02)  # the signal is on its way
    return False


def exit_status(process: Process) -> int:
    """The exit status of a process that was asked to stop, once it has stopped."""
    assert process.proc is not None
    return process.proc.wait(DELAY_S + GRACE_S + 10)


def stop(process: Process) -> int:
    assert process.proc is not None
    process.proc.send_signal(signal.SIGTERM)
    return exit_status(process)


def stop_at_first_mail(process: Process, folder: Path, emails: list[str]) -> tuple[int, int]:
    """SIGTERM to ``process`` once the first mail is out (it is handling events then): its
    exit status, and how many addresses had their mail at the SIGTERM."""
    wait_for(lambda: bool(mails_per_address(folder, emails)), 30, "a first mail")
    mailed = len(mails_per_address(folder, emails))
    return stop(process), mailed


def mails_per_address(folder: Path, emails: list[str]) -> Counter[str]:
    texts = [mail.read_text() for mail in folder.glob("*.eml")] if folder.exists() else []
    return Counter(email for text in texts for email in emails if f"<{email}>" in text)


def wait_for(check: Callable[[], bool], within_s: float, what: str) -> None:
    deadline = time.monotonic() + within_s
    while not check():
        assert time.monotonic() < deadline, f"{what}: not within {within_s} s"
        time.sleep(0.2)


def each_mailed_once(folder: Path, emails: list[str], within_s: float = 30) -> None:
    def done() -> bool:
        return set(mails_per_address(folder, emails)) == set(emails)

    wait_for(done, within_s, "a verification mail for every address")
    time.sleep(1)  # a duplicate would come now
    assert set(mails_per_address(folder, emails).values()) == {1}


def test_sigterm_mid_load_answers_every_request_and_loses_no_event(tmp_path: Path) -> None:
    port, data = free_port(), tmp_path / "var"
    args = ["up", "--port", str(port), "--data-dir", str(data), "--no-demo"]
    process = Process(args, DRAIN, tmp_path / "embedded.log").start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, timeout_s=60)
        emails = [f"drain{n}@example.com" for n in range(SIGNUPS)]
        load = Load(url, process)
        outcomes = asyncio.run(load.run(emails, READS))
        assert exit_status(process) == 0, process.output()[-3000:]
        took_s = time.monotonic() - load.termed_at
        assert took_s < DELAY_S + GRACE_S
        assert load.in_flight_at_term > 0 and load.draining_seen
        assert Counter(outcomes) == Counter({201: SIGNUPS, 200: READS})
        mailed = len(mails_per_address(data / "mail", emails))
        print(  # noqa: T201 (the test reports what it saw)
            f"\nin flight at SIGTERM: {load.in_flight_at_term} of {SIGNUPS + READS}; exited 0 "
            f"after {took_s:.1f} s; mailed before the restart: {mailed} of {SIGNUPS}"
        )
        process.start()  # on the same data: what was emitted before the SIGTERM goes out
        wait_healthy(url, process, timeout_s=60)
        each_mailed_once(data / "mail", emails)
        assert stop(process) == 0
    finally:
        process.stop()


@pytest.fixture
def cluster(
    tmp_path: Path, postgres_url: str, other_postgres_url: str, amqp_url: str, redis_url: str
) -> Iterator[dict[str, Process]]:
    """Identity and notification as separate processes, in a broker namespace of their own."""
    ports = {"identity": free_port(), "notification": free_port()}
    namespace = f"t{uuid.uuid4().hex[:8]}."
    env = DRAIN | {
        "IDENTITY_DATABASE_URL": postgres_url,
        "NOTIFICATION_DATABASE_URL": other_postgres_url,
        "BUS_URL": amqp_url,
        "STORE_URL": redis_url,
        "BUS_NAMESPACE": namespace,
        "STAMPEDE_DATA_DIR": str(tmp_path),
    }
    try:
        with serving(ports, env, tmp_path) as processes:
            yield processes
    finally:
        asyncio.run(drop_topology(amqp_url, namespace))


def _url(process: Process) -> str:
    return f"http://127.0.0.1:{process.args[-1]}"


def test_sigterm_of_publisher_and_consumer_mid_flow_loses_no_message(
    cluster: dict[str, Process], tmp_path: Path
) -> None:
    identity, notification = cluster["identity"], cluster["notification"]
    emails = [f"flow{n}@example.com" for n in range(SIGNUPS)]
    with ThreadPoolExecutor(max_workers=1) as pool:
        stopped = pool.submit(stop_at_first_mail, notification, tmp_path / "mail", emails)
        outcomes = asyncio.run(Load(_url(identity), identity).run(emails, 0))
        status, mailed = stopped.result()
    assert status == 0, notification.output()[-3000:]
    assert Counter(outcomes) == Counter({201: SIGNUPS})
    assert exit_status(identity) == 0, identity.output()[-3000:]
    print(f"\nmailed at notification's SIGTERM: {mailed} of {SIGNUPS}")  # noqa: T201
    for process in (identity, notification):
        process.start()
    for process in (identity, notification):
        wait_healthy(_url(process), process, timeout_s=60)
    each_mailed_once(tmp_path / "mail", emails)
    assert stop(notification) == 0 and stop(identity) == 0
