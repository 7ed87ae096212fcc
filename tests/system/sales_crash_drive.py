"""The crowd of a crash campaign: workers making hold attempts while a killer ``kill -9``s the
victim (the sales process, or the Redis every process uses) in the middle of bursts and starts
it again."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from tests.system.processes import wait_healthy
from tests.system.sales_crash_support import (
    BURST,
    BURST_STEP_S,
    DRAIN_CAP_S,
    DRIVE_CAP_S,
    HOLDS,
    KEY_TRIES,
    KEYED,
    KILL_AFTER_S,
    KILL_AT_S,
    KILL_JITTER_S,
    TRICKLE_PER_S,
    WORKERS,
    Answer,
    Buyer,
    Cluster,
)


class Victim(Protocol):
    def kill(self) -> None:
        """``kill -9``."""

    def restart(self) -> None:
        """Start it again; return once it serves."""


@dataclass
class SalesProcess:
    """The cluster's sales process, started again as a fork of the cluster's fork server."""

    cluster: Cluster

    def kill(self) -> None:
        assert self.cluster.sales is not None
        self.cluster.sales.kill()

    def restart(self) -> None:
        self.cluster.sales = sales = self.cluster.forks.fork()
        wait_healthy(self.cluster.sales_url, sales, 30)


@dataclass
class Drive:
    cluster: Cluster
    client: httpx.AsyncClient
    victim: Victim
    started: float = field(default_factory=time.monotonic)
    answers: list[Answer] = field(default_factory=list)
    kills: list[tuple[float, float]] = field(default_factory=list)  # (at, ready again after)
    bursts: list[asyncio.Task[list[Answer]]] = field(default_factory=list)
    tokens: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    draining: bool = False
    sold_out: asyncio.Event = field(default_factory=asyncio.Event)
    stopping: bool = False

    def now(self) -> float:
        return time.monotonic() - self.started

    async def attempt(self, route: str, buyer: Buyer, key: str | None) -> Answer:
        base = self.cluster.url if route == "gateway" else self.cluster.sales_url
        headers = buyer.auth | ({"Idempotency-Key": key} if key else {})
        body = {"listing_id": self.cluster.listing_id, "quantity": 1}
        try:
            reply = await self.client.post(f"{base}{HOLDS}", headers=headers, json=body)
        except httpx.HTTPError as exc:
            answer = Answer(self.now(), route, type(exc).__name__, "", buyer, key)
        else:
            answer = self._answer(route, buyer, key, reply)
        if self.draining and answer.slug == "sold-out":
            self.sold_out.set()
        self.answers.append(answer)
        return answer

    def _answer(self, route: str, buyer: Buyer, key: str | None, reply: httpx.Response) -> Answer:
        status, data = str(reply.status_code), {}
        with contextlib.suppress(ValueError):
            data = reply.json()
        if status == "201":
            assert data["listing_id"] == self.cluster.listing_id and data["quantity"] == 1, data
            replayed = reply.headers.get("Idempotent-Replayed") == "true"
            return Answer(self.now(), route, status, "", buyer, key, str(data["hold_id"]), replayed)
        slug = str(data.get("type", "")).rsplit("/", 1)[-1] if isinstance(data, dict) else ""
        return Answer(self.now(), route, status, slug, buyer, key, body=reply.text[:300])

    async def one(self, route: str) -> list[Answer]:
        """One buyer's attempt; with a key, sent again after no answer, as a client would."""
        buyer = random.choice(self.cluster.buyers)
        key = uuid.uuid4().hex if random.random() < KEYED else None
        answers = [await self.attempt(route, buyer, key)]
        while key and answers[-1].unanswered and len(answers) < KEY_TRIES:
            await asyncio.sleep(random.uniform(0.4, 0.9))
            answers.append(await self.attempt(route, buyer, key))
        return answers

    async def later(self, delay_s: float) -> list[Answer]:
        await asyncio.sleep(delay_s)
        return await self.one("direct")

    async def worker(self) -> None:
        while (route := await self.tokens.get()) != "stop":
            await self.one(random.choice(("gateway", "direct")) if route == "any" else route)

    async def pace(self) -> None:
        """TRICKLE_PER_S attempts a second; while draining, as many as the workers take."""
        while not self.stopping:
            if not self.draining:
                self.tokens.put_nowait("any")
                await asyncio.sleep(1 / TRICKLE_PER_S)
                continue
            while self.tokens.qsize() < WORKERS:
                self.tokens.put_nowait("any")
            await asyncio.sleep(0.005)

    async def killer(self) -> None:
        """A burst, SIGKILL while it goes on, the victim started again, ready; three times."""
        for at in KILL_AT_S:
            await asyncio.sleep(max(0.0, at + random.uniform(-1, 1) * KILL_JITTER_S - self.now()))
            self.bursts += [asyncio.create_task(self.later(n * BURST_STEP_S)) for n in range(BURST)]
            await asyncio.sleep(random.uniform(*KILL_AFTER_S))
            await asyncio.to_thread(self.victim.kill)
            killed = self.now()
            await asyncio.to_thread(self.victim.restart)
            self.kills.append((killed, self.now() - killed))

    async def gateway_reaches_sales(self) -> None:
        """Until the gateway's breaker lets calls to sales through again (404: no such hold)."""
        buyer = self.cluster.buyers[0]
        path = f"{self.cluster.url}{HOLDS}/{uuid.uuid4()}"
        while (await self.client.get(path, headers=buyer.auth)).status_code != 404:
            assert self.now() < DRIVE_CAP_S, "the gateway never reached sales again"
            await asyncio.sleep(0.25)

    async def run(self) -> None:
        workers = [asyncio.create_task(self.worker()) for _ in range(WORKERS)]
        pace = asyncio.create_task(self.pace())
        try:
            await self.killer()
            await self.gateway_reaches_sales()
            self.draining = True
            await asyncio.wait_for(self.sold_out.wait(), DRAIN_CAP_S)
        finally:
            self.stopping = True
            await pace
            while not self.tokens.empty():
                self.tokens.get_nowait()
            for _ in workers:
                self.tokens.put_nowait("stop")
            await asyncio.gather(*workers, *self.bursts)


# -- the checks --------------------------------------------------------------------------------
