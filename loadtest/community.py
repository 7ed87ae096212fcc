"""500 people on the community boards: a locust file (run by ``loadtest/run.py``).

Members (70 % of the users) browse the ``free`` and ``prices`` boards, read posts and their
comments, search, comment, like and now and then write or edit a post of their own; guests
(30 %) only read. Each member logs in with one access token from ``LOADTEST_TOKENS`` (a JSON
list; ``run.py`` writes one per user). Tokens are handed out round-robin: a token shared by two
users shares its write limits too.

Pacing keeps every write within community's per-member limits (30 comments and 10 posts a
minute), so a correct server answers every request of this scenario without an error and any
error (429 included) is a failure: a user waits ``LOADTEST_WAIT_MIN``–``LOADTEST_WAIT_MAX``
seconds (default 3–9, a person reading a post) between visits, a visit makes at most one write,
so a member writes at most 60 / 3 = 20 times a minute; a member starts at most one post per
``LOADTEST_POST_GAP_S`` seconds (default 20: 3 a minute). Members never delete a post, so no
reader meets a 404 by bad luck.

Every request's outcome is counted (errors with a few samples each); latencies are kept from the
moment all users have started (``spawning_complete``) until the test stops, split into reads
(GET) and writes; at exit the figures go as JSON to ``LOADTEST_SUMMARY`` (read by
``loadtest/summary.py``).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bodies import new_comment, new_post
from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.env import Environment

API = "/api/community"
BOARDS = ("free", "prices")
WORDS = ("절약", "특가", "생수", "알뜰폰", "후기", "coupon", "deal", "세일")
WAIT_MIN = float(os.environ.get("LOADTEST_WAIT_MIN", "3"))
WAIT_MAX = float(os.environ.get("LOADTEST_WAIT_MAX", "9"))
POST_GAP_S = float(os.environ.get("LOADTEST_POST_GAP_S", "20"))
KNOWN_MAX = 200  # post ids a user remembers


def _tokens() -> list[str]:
    path = os.environ.get("LOADTEST_TOKENS")
    return list(json.loads(Path(path).read_text())) if path else []


TOKENS = _tokens()
_next_token = itertools.count()


class Recorder:
    """Every request's outcome (counts and errors per name, over the whole run) and the
    latencies of those made while measuring (all users started, test not stopping), per group."""

    def __init__(self) -> None:
        self.started: float | None = None
        self.stopped: float | None = None
        self.latencies: dict[str, list[float]] = {"read": [], "write": []}
        self.names: dict[str, dict[str, int]] = {}
        self.errors: dict[str, list[str]] = {}

    def record(self, method: str, name: str, ms: float, error: BaseException | None) -> None:
        counts = self.names.setdefault(name, {"requests": 0, "errors": 0})
        counts["requests"] += 1
        if error is not None:
            counts["errors"] += 1
            samples = self.errors.setdefault(name, [])
            if len(samples) < 5:
                samples.append(str(error)[:300])
        measuring = self.started is not None and self.stopped is None
        if measuring and method != "TASK":
            self.latencies["read" if method == "GET" else "write"].append(ms)

    def dump(self, cpu_warning: bool) -> dict[str, Any]:
        end = self.stopped or time.monotonic()
        return {
            "measured_s": end - (self.started or end),
            "latencies_ms": self.latencies,
            "names": self.names,
            "errors": self.errors,
            "locust_cpu_warning": cpu_warning,
        }


RECORDER = Recorder()


def _on_request(
    request_type: str, name: str, response_time: float, exception: BaseException | None,
    **_: Any,
) -> None:  # fmt: skip
    RECORDER.record(request_type, name, response_time, exception)


def _on_spawned(user_count: int, **_: Any) -> None:
    if RECORDER.started is None:
        RECORDER.started = time.monotonic()


def _on_stopping(environment: Environment, **_: Any) -> None:
    RECORDER.stopped = time.monotonic()


def _on_quitting(environment: Environment, **_: Any) -> None:
    target = os.environ.get("LOADTEST_SUMMARY")
    warned = bool(getattr(environment.runner, "cpu_warning_emitted", False))
    if target:
        Path(target).write_text(json.dumps(RECORDER.dump(warned)))


def answer(reply: Any) -> Any:
    """The JSON of a 2xx answer (``{}`` when empty); anything else is marked a failure with its
    status and the start of its body (a problem+json names the reason)."""
    if not reply.ok:
        reply.failure(f"{reply.status_code} {(reply.text or '')[:200]}")
        return None
    try:
        return reply.json() if reply.text else {}
    except ValueError:
        reply.failure(f"{reply.status_code} answer is not JSON")
        return None


def _on_user_error(user_instance: Any, exception: BaseException, **_: Any) -> None:
    """An exception inside a task (not a request) is an error of the scenario too."""
    RECORDER.record("TASK", "task exception", 0.0, exception)


def _listen(hook: Any, handler: Callable[..., None]) -> None:
    hook.add_listener(handler)


_listen(events.request, _on_request)
_listen(events.user_error, _on_user_error)
_listen(events.spawning_complete, _on_spawned)
_listen(events.test_stopping, _on_stopping)
_listen(events.quitting, _on_quitting)


class Reader(FastHttpUser):
    """What guests and members both do: list boards, page through them, read and search."""

    abstract = True
    wait_time = between(WAIT_MIN, WAIT_MAX)

    def on_start(self) -> None:
        self.known: list[str] = []
        self.auth: dict[str, str] = {}
        self.get(f"{API}/boards", "GET /boards")

    def get(self, path: str, name: str) -> Any:
        with self.client.get(path, name=name, headers=self.auth, catch_response=True) as reply:
            return answer(reply)

    def page(self, board: str, query: str = "", name: str = "GET /boards/[board]/posts") -> Any:
        found = self.get(f"{API}/boards/{board}/posts{query}", name)
        if found:
            self.remember(item["id"] for item in found.get("items", []))
        return found

    def remember(self, ids: Any) -> None:
        self.known = (list(ids) + self.known)[:KNOWN_MAX]

    def some_post(self) -> str | None:
        if not self.known:
            self.page(random.choice(BOARDS))
        return random.choice(self.known) if self.known else None

    @task(4)
    def browse(self) -> None:
        """A board's first page, and its next page half of the time."""
        first = self.page(random.choice(BOARDS))
        cursor = first.get("next_cursor") if first else None
        if cursor and random.random() < 0.5:
            self.page(first["board"]["slug"], f"?cursor={cursor}")

    @task(6)
    def read(self) -> None:
        """One post and its comments."""
        post_id = self.some_post()
        if post_id:
            self.get(f"{API}/posts/{post_id}", "GET /posts/[id]")
            self.get(f"{API}/posts/{post_id}/comments", "GET /posts/[id]/comments")

    @task(1)
    def search(self) -> None:
        self.page(random.choice(BOARDS), f"?q={random.choice(WORDS)}", "GET /boards/[b]/posts?q=")


class Guest(Reader):
    weight = 3


class Member(Reader):
    """A logged-in member: reads like a guest, and comments, likes and writes (one write a
    visit at most)."""

    weight = 7

    def on_start(self) -> None:
        if not TOKENS:
            raise RuntimeError("members need LOADTEST_TOKENS (loadtest/run.py writes it)")
        super().on_start()
        self.auth = {"Authorization": f"Bearer {TOKENS[next(_next_token) % len(TOKENS)]}"}
        self.mine: list[str] = []
        self.liked: set[str] = set()
        self.last_post = 0.0

    def send(self, method: str, path: str, name: str, body: Any = None) -> Any:
        with self.client.request(
            method, path, name=name, headers=self.auth, json=body, catch_response=True
        ) as reply:
            return answer(reply)

    @task(3)
    def comment(self) -> None:
        """Read a post, then comment on it."""
        post_id = self.some_post()
        if post_id:
            self.get(f"{API}/posts/{post_id}", "GET /posts/[id]")
            body = new_comment(random.randrange(10**6))
            self.send("POST", f"{API}/posts/{post_id}/comments", "POST /posts/[id]/comments", body)

    @task(2)
    def like(self) -> None:
        """Like a post, or take back a like given before."""
        post_id = self.some_post()
        if post_id:
            method = "DELETE" if post_id in self.liked else "POST"
            self.send(method, f"{API}/posts/{post_id}/like", f"{method} /posts/[id]/like")
            self.liked ^= {post_id}

    @task(1)
    def write(self) -> None:
        """A new post (at most one per POST_GAP_S), else an edit of one's own post."""
        if time.monotonic() - self.last_post < POST_GAP_S:
            self.edit()
            return
        self.last_post = time.monotonic()
        board = random.choice(BOARDS)
        made = self.send("POST", f"{API}/boards/{board}/posts", "POST /boards/[b]/posts",
                         new_post(board, random.randrange(10**6)))  # fmt: skip
        if made:
            self.mine.append(made["id"])
            self.remember([made["id"]])

    def edit(self) -> None:
        if self.mine:
            body = {"title": f"[수정] 오늘의 절약 팁 {random.randrange(1000)}"}
            self.send("PATCH", f"{API}/posts/{random.choice(self.mine)}", "PATCH /posts/[id]", body)
