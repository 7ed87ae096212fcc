"""Express lanes: claimed requests answered ahead of the full app, everything doubtful replayed."""

from __future__ import annotations

import json

import httpx
import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stampede.kernel.auth import Principal, TokenVerifier
from stampede.kernel.errors import Conflict, StampedeError, TooManyRequests
from stampede.kernel.express import JSON, Admit, Express, Lane, Reply, Work, encode, problem_reply
from tests.kernel.test_auth import CountingJwks, token

MARK = "x-full-app"


class FullApp:
    """Stands for the framework: records what reached it and echoes the body it read."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, bytes]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        self.seen.append((scope["path"], body))
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"x-full-app", b"1")]}
        )
        await send({"type": "http.response.body", "body": body})


class Hot:
    """Claims ``POST /hot``; declines bodies without a ``seat``; ``error`` makes the work raise."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error, self.users = error, list[Principal]()

    def claim(self, method: str, path: str) -> Lane | None:
        return self.lane if (method, path) == ("POST", "/hot") else None

    def lane(self, scope: Scope, body: bytes) -> Work | None:
        try:
            parsed = json.loads(body)
        except ValueError:
            return None
        if not isinstance(parsed, dict) or "seat" not in parsed:
            return None

        async def work(user: Principal) -> Reply:
            self.users.append(user)
            if self.error is not None:
                raise self.error
            return 201, encode({"seat": parsed["seat"], "user": user.user_id}), [JSON]

        return work


def express(hot: Hot, full: ASGIApp, admit: Admit | None = None, body_limit: int = 1024) -> Express:
    verifier = TokenVerifier(CountingJwks("k1"), "iss", "aud")
    return Express(full, [hot.claim], verifier, admit, body_limit)


def bearer() -> dict[str, str]:
    return {"authorization": f"Bearer {token(sub='u7')}"}


async def post(
    app: Express, body: bytes, headers: dict[str, str], path: str = "/hot"
) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.post(path, content=body, headers=headers)


async def test_a_claimed_request_with_a_valid_token_is_answered_by_its_lane() -> None:
    hot, full = Hot(), FullApp()
    reply = await post(express(hot, full), b'{"seat": "A1"}', bearer())
    assert reply.status_code == 201 and reply.json() == {"seat": "A1", "user": "u7"}
    assert reply.headers["content-length"] == str(len(reply.content))
    assert MARK not in reply.headers and full.seen == []


async def test_unclaimed_paths_go_to_the_full_app_untouched() -> None:
    hot, full = Hot(), FullApp()
    reply = await post(express(hot, full), b'{"seat": "A1"}', bearer(), path="/cold")
    assert reply.headers[MARK] == "1" and full.seen == [("/cold", b'{"seat": "A1"}')]
    assert hot.users == []


@pytest.mark.parametrize("auth", ["none", "basic", "garbage", "wrong-audience"])
async def test_requests_without_a_good_bearer_token_go_to_the_full_app(auth: str) -> None:
    headers = {
        "none": {},
        "basic": {"authorization": f"Basic {token()}"},
        "garbage": {"authorization": "Bearer not.a.token"},
        "wrong-audience": {"authorization": f"Bearer {token(aud='other')}"},
    }[auth]
    hot, full = Hot(), FullApp()
    reply = await post(express(hot, full), b'{"seat": "A1"}', headers)
    assert reply.headers[MARK] == "1" and reply.content == b'{"seat": "A1"}'
    assert full.seen == [("/hot", b'{"seat": "A1"}')] and hot.users == []


async def test_a_declining_lane_leaves_the_exact_body_to_the_full_app() -> None:
    hot, full = Hot(), FullApp()
    body = b'{"row": 3,  "note": "caf\xc3\xa9"}'
    reply = await post(express(hot, full), body, bearer())
    assert reply.headers[MARK] == "1" and full.seen == [("/hot", body)]


async def test_a_body_over_the_limit_goes_to_the_full_app_whole() -> None:
    hot, full = Hot(), FullApp()
    body = json.dumps({"seat": "A1", "pad": "x" * 5000}).encode()
    reply = await post(express(hot, full), body, bearer())
    assert reply.headers[MARK] == "1" and full.seen == [("/hot", body)] and hot.users == []


async def test_a_chunked_body_over_the_limit_is_replayed_byte_for_byte() -> None:
    hot, full = Hot(), FullApp()
    body = json.dumps({"seat": "A1", "pad": "x" * 5000}).encode()
    chunks = [body[:1700], body[1700:3400], body[3400:]]
    messages: list[Message] = [
        {"type": "http.request", "body": chunk, "more_body": i < 2}
        for i, chunk in enumerate(chunks)
    ]
    sent: list[Message] = []
    unread: list[int] = []

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    async def entering(scope: Scope, receive: Receive, send: Send) -> None:
        unread.append(len(messages))  # Express stops reading once past the limit
        await full(scope, receive, send)

    headers = [(b"authorization", bearer()["authorization"].encode())]
    scope: Scope = {"type": "http", "method": "POST", "path": "/hot", "headers": headers}
    await express(hot, entering)(scope, receive, send)
    assert unread == [2] and messages == []
    assert full.seen == [("/hot", body)] and hot.users == []
    assert sent[0]["status"] == 200 and sent[1]["body"] == body


async def test_a_refusal_from_the_work_is_its_problem() -> None:
    error = Conflict("taken", slug="taken")
    full = FullApp()
    reply = await post(express(Hot(error), full), b'{"seat": "A1"}', bearer())
    assert reply.status_code == 409 and reply.json() == error.problem("/hot")
    assert reply.headers["content-type"] == "application/problem+json"
    assert full.seen == []


async def test_too_many_requests_from_the_work_says_when_to_retry() -> None:
    error = TooManyRequests("slow down", retry_after=7)
    reply = await post(express(Hot(error), FullApp()), b'{"seat": "A1"}', bearer())
    assert reply.status_code == 429 and reply.headers["retry-after"] == "7"
    assert reply.json() == error.problem("/hot")


async def test_an_unexpected_error_in_the_work_is_a_500_problem() -> None:
    reply = await post(express(Hot(RuntimeError("boom")), FullApp()), b'{"seat": "A1"}', bearer())
    assert reply.status_code == 500
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json() == StampedeError("unexpected error").problem("/hot")


async def test_a_refusing_admission_answers_429_without_running_the_work() -> None:
    def refuse(scope: Scope, user: Principal) -> None:
        raise TooManyRequests("rate limited", retry_after=7)

    hot, full = Hot(), FullApp()
    reply = await post(express(hot, full, refuse), b'{"seat": "A1"}', bearer())
    assert reply.status_code == 429 and reply.headers["retry-after"] == "7"
    assert hot.users == [] and full.seen == []


async def test_a_passing_admission_lets_the_work_run_for_the_verified_caller() -> None:
    admitted: list[Principal] = []

    def admit(scope: Scope, user: Principal) -> None:
        admitted.append(user)

    hot = Hot()
    reply = await post(express(hot, FullApp(), admit), b'{"seat": "A1"}', bearer())
    assert reply.status_code == 201
    assert [u.user_id for u in hot.users] == ["u7"] and admitted == hot.users
    assert hot.users[0].has("customer")


async def test_identical_refusals_share_one_body_and_extras_are_kept() -> None:
    first, second = Conflict("taken", slug="taken"), Conflict("taken", slug="taken")
    assert problem_reply(first, "/hot")[1] is problem_reply(second, "/hot")[1]
    replies = [
        await post(
            express(Hot(Conflict("taken", slug="taken")), FullApp()), b'{"seat": 1}', bearer()
        )
        for _ in range(2)
    ]
    assert replies[0].content == replies[1].content
    extra = Conflict("x", slug="s", left=3)
    reply = await post(express(Hot(extra), FullApp()), b'{"seat": 1}', bearer())
    assert reply.json() == extra.problem("/hot") and reply.json()["left"] == 3


class Spot:
    """Claims ``GET /spot``: answers from the path alone, or declines with ``x-decline``."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def claim(self, method: str, path: str) -> Lane | None:
        return self.lane if (method, path) == ("GET", "/spot") else None

    def lane(self, scope: Scope, body: bytes) -> Work | None:
        self.bodies.append(body)
        if any(name == b"x-decline" for name, _ in scope["headers"]):
            return None

        async def work(user: Principal) -> Reply:
            return 200, encode({"user": user.user_id}), [JSON]

        return work


async def _get_spot(decline: bool) -> tuple[list[Message], int, Spot, FullApp]:
    spot, full = Spot(), FullApp()
    app = Express(full, [spot.claim], TokenVerifier(CountingJwks("k1"), "iss", "aud"))
    headers = [(b"authorization", f"Bearer {token(sub='u7')}".encode())]
    headers += [(b"x-decline", b"1")] if decline else []
    scope = {"type": "http", "method": "GET", "path": "/spot", "headers": headers}
    reads, sent = 0, list[Message]()

    async def receive() -> Message:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"ignored", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent, reads, spot, full


async def test_a_get_lane_answers_without_reading_the_request_body() -> None:
    sent, reads, spot, full = await _get_spot(decline=False)
    assert sent[0]["status"] == 200 and json.loads(sent[1]["body"]) == {"user": "u7"}
    assert reads == 0 and spot.bodies == [b""] and full.seen == []


async def test_a_declined_get_leaves_the_unread_body_to_the_full_app() -> None:
    sent, reads, _, full = await _get_spot(decline=True)
    assert full.seen == [("/spot", b"ignored")] and reads == 1
    assert dict(sent[0]["headers"])[b"x-full-app"] == b"1"


async def test_redis_unreachable_in_the_work_is_a_503_to_retry() -> None:
    down = RedisConnectionError("Redis connection lost: closed")
    reply = await post(express(Hot(down), FullApp()), b'{"seat": "A1"}', bearer())
    assert reply.status_code == 503 and reply.headers["retry-after"] == "1"
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["type"].endswith("/store-unavailable")
