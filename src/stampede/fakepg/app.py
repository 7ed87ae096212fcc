"""The fake provider's HTTP app: KakaoPay's ``/v1/payment/*`` API, the buyer's page, and the
knobs (``/admin/*``).

Every ``/v1`` and ``/admin`` call needs ``Authorization: SECRET_KEY <key>`` (401 otherwise).
Each ``/v1`` call first waits ``latency_ms``; then, by the knobs, a ready/approve/cancel may
*time out* (no answer until the client gives up, and nothing happens) or *lose its reply* (it
happens, then a 504 with no body). Refusals use KakaoPay's shape ``{error_code,
error_message, extras}`` with status 400 (401 for a wrong key).
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from stampede.fakepg.knobs import Dice, Knobs, KnobsChange, Operation
from stampede.fakepg.ledger import Ledger, Order, PgError
from stampede.fakepg.page import CSP, not_found, page
from stampede.fakepg.wire import (
    ApproveIn,
    CancelIn,
    OrderIn,
    ReadyIn,
    approve_answer,
    cancel_answer,
    ready_answer,
    with_query,
)
from stampede.kernel.web import NO_FRAMEWORK_TELEMETRY

DEFAULT_SECRET_KEY = "DEV-fakepg-secret-key"
HANG_S, POLL_S = 300.0, 0.25  # the longest a "timed out" call keeps its connection
CALLBACKS_HEADER = "X-Fakepg-Callbacks"
PAGES = "/fakepg"  # the buyer's pages are also served under this prefix, as a gateway mounts them


class FakePg:
    """The state of one fake provider: transactions, knobs, and its key."""

    def __init__(self, knobs: Knobs, secret_key: str, public_url: str) -> None:
        self.ledger = Ledger()
        self.dice = Dice(knobs)
        self.secret_key = secret_key
        self.public_url = public_url.rstrip("/")

    def base(self, request: Request) -> str:
        return self.public_url or str(request.base_url).rstrip("/")


def _fakepg(request: Request) -> FakePg:
    found: FakePg = request.app.state.fakepg
    return found


async def _authorized(request: Request) -> FakePg:
    """The provider, when the caller gave its key; 401 otherwise."""
    pg = _fakepg(request)
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme != "SECRET_KEY" or not hmac.compare_digest(key.strip(), pg.secret_key):
        raise PgError(-401, "use 'Authorization: SECRET_KEY <secret key>'", status=401)
    return pg


Pg = Annotated[FakePg, Depends(_authorized)]


async def _hang(request: Request) -> None:
    """Keep the call open without answering until the client leaves (or :data:`HANG_S`)."""
    for _ in range(int(HANG_S / POLL_S)):
        if await request.is_disconnected():
            return
        await asyncio.sleep(POLL_S)


async def _perform(
    pg: FakePg, request: Request, operation: Operation, effect: Callable[[], dict[str, Any]]
) -> Response:
    """Run ``effect`` as the knobs say: after the latency, maybe not at all, maybe unanswered."""
    if pg.dice.knobs.latency_ms:
        await asyncio.sleep(pg.dice.knobs.latency_ms / 1000)
    fault = pg.dice.fault(operation)
    if fault == "timeout":
        pg.ledger.stats.timeouts += 1
        await _hang(request)
        return Response(status_code=504)
    try:
        answer: Response = JSONResponse(effect())
    except PgError as refusal:
        answer = JSONResponse(refusal.body(), status_code=refusal.status)
    if fault == "lost_reply":
        pg.ledger.stats.lost_replies += 1
        return Response(status_code=504)
    return answer


router = APIRouter()


@router.post("/v1/payment/ready")
async def ready(body: ReadyIn, pg: Pg, request: Request) -> Response:
    def effect() -> dict[str, Any]:
        txn = pg.ledger.ready(Order(**body.model_dump()))
        return ready_answer(txn, pg.base(request))

    return await _perform(pg, request, "ready", effect)


@router.post("/v1/payment/approve")
async def approve(body: ApproveIn, pg: Pg, request: Request) -> Response:
    """Capture once with the page's ``pg_token``; a second approve is refused (-702)."""

    def effect() -> dict[str, Any]:
        asked = body.model_dump(include={"partner_order_id", "partner_user_id", "pg_token"})
        return approve_answer(pg.ledger.approve(body.tid, body.cid, asked, pg.dice.declines()))

    return await _perform(pg, request, "approve", effect)


@router.post("/v1/payment/cancel")
async def cancel(body: CancelIn, pg: Pg, request: Request) -> Response:
    def effect() -> dict[str, Any]:
        txn = pg.ledger.cancel(body.tid, body.cid, body.cancel_amount)
        return cancel_answer(txn, body.cancel_amount)

    return await _perform(pg, request, "cancel", effect)


@router.post("/v1/payment/order")
async def order(body: OrderIn, pg: Pg) -> dict[str, Any]:
    """The transaction's standing; never faulty, so a client can always find out."""
    if pg.dice.knobs.latency_ms:
        await asyncio.sleep(pg.dice.knobs.latency_ms / 1000)
    return pg.ledger.get(body.tid, body.cid).view()


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers={"Content-Security-Policy": CSP})


pages = APIRouter()


@pages.get("/pay/{tid}")
async def show(tid: str, request: Request) -> HTMLResponse:
    pg = _fakepg(request)
    txn = pg.ledger.transactions.get(tid)
    if txn is None:
        return _html(not_found(tid), 404)
    return _html(page(txn, f"{pg.base(request)}/pay/{tid}"))


@pages.post("/pay/{tid}/approve")
async def buyer_approves(tid: str, request: Request) -> Response:
    """303 to ``approval_url?pg_token=…`` (``fail_url`` when it is no longer payable); a
    duplicate callback says so in :data:`CALLBACKS_HEADER`."""
    pg = _fakepg(request)
    if tid not in pg.ledger.transactions:
        return _html(not_found(tid), 404)
    try:
        txn = pg.ledger.buyer_approves(tid)
    except PgError:
        return RedirectResponse(pg.ledger.get(tid).order.fail_url, status_code=303)
    answer = RedirectResponse(with_query(txn.order.approval_url, pg_token=txn.pg_token or ""), 303)
    if pg.dice.duplicates_callback():
        pg.ledger.stats.duplicate_callbacks += 1
        answer.headers[CALLBACKS_HEADER] = "2"
    return answer


@pages.post("/pay/{tid}/cancel")
async def buyer_quits(tid: str, request: Request) -> Response:
    pg = _fakepg(request)
    if tid not in pg.ledger.transactions:
        return _html(not_found(tid), 404)
    return RedirectResponse(pg.ledger.buyer_quits(tid).order.cancel_url, status_code=303)


@router.get("/admin/knobs")
async def knobs(pg: Pg) -> Knobs:
    return pg.dice.knobs


@router.put("/admin/knobs")
async def change_knobs(change: KnobsChange, pg: Pg) -> Knobs:
    return pg.dice.change(change)


@router.get("/admin/stats")
async def stats(pg: Pg) -> dict[str, int]:
    return asdict(pg.ledger.stats)


@router.get("/healthz")
@router.get("/readyz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PgError)
    return JSONResponse(exc.body(), status_code=exc.status)


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    fields = ", ".join(".".join(str(p) for p in e.get("loc", ())) for e in exc.errors())
    return JSONResponse({"error_code": -400, "error_message": f"invalid: {fields}"}, 400)


def create_app(
    knobs: Knobs | None = None, *, secret_key: str = DEFAULT_SECRET_KEY, public_url: str = ""
) -> FastAPI:
    """A fresh fake provider; ``public_url`` is where buyers reach it (default: as called)."""
    app = FastAPI(
        title="fakepg",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        telemetry=NO_FRAMEWORK_TELEMETRY,
    )
    app.state.fakepg = FakePg(knobs or Knobs(), secret_key, public_url)
    app.add_exception_handler(PgError, _refused)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.include_router(router)
    app.include_router(pages)
    app.include_router(pages, prefix=PAGES)
    return app
