"""The payment provider, KakaoPay's single-payment API, as payment calls it.

Every call goes through the platform's service calls to ``fakepg`` — the fake provider in this
process (``PAYMENT_PROVIDER_URL=fakepg://``) or the provider at an http(s) URL — with their
timeout and circuit breaker; these POSTs are never retried there. An answer is one of three:
the provider's JSON (it happened), :class:`Refused` (a 4xx: it did not happen), or
:class:`Unanswered` (a timeout, a dropped connection, a 5xx, an open breaker: it may or may not
have happened — only the transaction's standing, asked later, tells).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from stampede.kernel.errors import Unavailable
from stampede.kernel.module import Runtime
from stampede.payment.domain.settle import APPROVED_AT_PROVIDER, Standing

SERVICE = "fakepg"
DECLINED = -780
UNKNOWN_TID = -708


class Refused(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message

    @property
    def declined(self) -> bool:
        return self.code == DECLINED


class Unanswered(Exception):
    """The outcome is unknown."""


@dataclass(frozen=True)
class ReadyAsk:
    order_id: str
    user_id: str
    item_name: str
    amount: int
    approval_url: str
    cancel_url: str
    fail_url: str


@dataclass(frozen=True)
class Ready:
    tid: str
    redirect_url: str


@dataclass(frozen=True)
class Captured:
    aid: str
    total: int


def _standing(found: dict[str, Any]) -> Standing:
    status = str(found["status"])
    approved = status in APPROVED_AT_PROVIDER and found.get("approved_at") is not None
    return Standing(
        status=status,
        total=int(found["amount"]["total"]),
        canceled=int(found.get("canceled_amount", {}).get("total", 0)),
        approved=approved,
    )


def _json(content: bytes) -> dict[str, Any]:
    try:
        found = json.loads(content) if content else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


class Provider:
    def __init__(self, runtime: Runtime) -> None:
        settings = runtime.settings
        self.calls = runtime.calls
        self.cid = settings.payment_provider_cid
        self.headers = {"Authorization": f"SECRET_KEY {settings.payment_provider_key}"}

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            reply = await self.calls.request(
                SERVICE, "POST", path, json={"cid": self.cid, **body}, headers=self.headers
            )
        except Unavailable as exc:
            raise Unanswered(str(exc)) from exc
        if reply.status_code == 200:
            found: dict[str, Any] = reply.json()
            return found
        if 400 <= reply.status_code < 500:
            problem = _json(reply.content)
            raise Refused(int(problem.get("error_code", 0)), str(problem.get("error_message", "")))
        raise Unanswered(f"the provider answered {reply.status_code}")

    async def ready(self, ask: ReadyAsk) -> Ready:
        found = await self._post(
            "/v1/payment/ready",
            {
                "partner_order_id": ask.order_id,
                "partner_user_id": ask.user_id,
                "item_name": ask.item_name[:100],
                "quantity": 1,
                "total_amount": ask.amount,
                "tax_free_amount": 0,
                "approval_url": ask.approval_url,
                "cancel_url": ask.cancel_url,
                "fail_url": ask.fail_url,
            },
        )
        return Ready(tid=str(found["tid"]), redirect_url=str(found["next_redirect_pc_url"]))

    async def approve(self, tid: str, order_id: str, user_id: str, pg_token: str) -> Captured:
        found = await self._post(
            "/v1/payment/approve",
            {
                "tid": tid,
                "partner_order_id": order_id,
                "partner_user_id": user_id,
                "pg_token": pg_token,
            },
        )
        return Captured(aid=str(found["aid"]), total=int(found["amount"]["total"]))

    async def cancel(self, tid: str, amount: int) -> Standing:
        """Give back ``amount`` of a captured payment; 0 calls off a ready one."""
        body = {"tid": tid, "cancel_amount": amount, "cancel_tax_free_amount": 0}
        return _standing(await self._post("/v1/payment/cancel", body))

    async def standing(self, tid: str) -> Standing:
        return _standing(await self._post("/v1/payment/order", {"tid": tid}))
