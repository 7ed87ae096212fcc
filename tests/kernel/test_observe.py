"""Request observation: every request counted; access-log lines sampled, errors always kept."""

from __future__ import annotations

import httpx
import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from stampede.kernel import observe
from stampede.kernel.observe import Observe


def _answering(status: int) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    return app


@pytest.mark.parametrize(("status", "logged"), [(200, 0), (409, 0), (503, 1)])
async def test_with_no_sampling_only_server_errors_are_logged(
    monkeypatch: pytest.MonkeyPatch, status: int, logged: int
) -> None:
    lines: list[dict[str, object]] = []
    monkeypatch.setattr(observe.log, "info", lambda event, **fields: lines.append(fields))
    app = Observe(_answering(status), "test", log_sample=0.0)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        reply = await client.get("/api/x/y", headers={"x-request-id": "req-1"})
    assert reply.status_code == status and reply.headers["x-request-id"] == "req-1"
    assert len(lines) == logged


async def test_a_request_without_an_id_gets_its_trace_id() -> None:
    app = Observe(_answering(200), "test")
    transport = httpx.ASGITransport(app=app)
    trace = "0af7651916cd43dd8448eb211c80319c"
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        reply = await client.get("/", headers={"traceparent": f"00-{trace}-b7ad6b7169203331-01"})
    assert reply.headers["x-request-id"] == trace


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([(b"x-request-id", b"req-9")], "req-9"),
        (
            [(b"traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")],
            "0af7651916cd43dd8448eb211c80319c",
        ),
        ([(b"x-request-id", b"bad id!")], None),
        ([], None),
    ],
)
async def test_an_express_answer_is_counted_and_gets_a_request_id(
    headers: list[tuple[bytes, bytes]], expected: str | None
) -> None:
    app = Observe(_answering(200), "watch-test")
    scope = {"type": "http", "method": "POST", "path": "/api/lane/x", "headers": headers}
    before = observe.REQUESTS.value(("watch-test", "lane", observe.LANE, "POST", 201))

    async def answer() -> observe.Reply:
        return 201, b"{}", [(b"content-type", b"application/json")]

    status, _, replied = await app.watch(scope, answer())
    rid = dict(replied)[b"x-request-id"].decode()
    assert status == 201 and (rid == expected if expected else len(rid) == 32 and rid != "0" * 32)
    after = observe.REQUESTS.value(("watch-test", "lane", observe.LANE, "POST", 201))
    assert after == before + 1
