"""E-tickets: one per seat with a secret check-in code that only the buyer's QR code shows;
checked in once by the seller's staff; called off only while none is used and the
performance has not started."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import httpx
import segno

from stampede.compose import Platform
from tests.fulfilment.support import (
    PROBLEM,
    arranged,
    ask,
    cancel,
    cast,
    code_of,
    events,
    get,
    post,
)


def _qr(payload: str, kind: str) -> bytes:
    """The image a QR code holding ``payload`` must be (rendered as the service renders it)."""
    buffer = io.BytesIO()
    code = segno.make(payload, error="m")
    code.save(
        buffer, kind=kind, **({"scale": 4, "xmldecl": False} if kind == "svg" else {"scale": 6})
    )
    return buffer.getvalue()


async def test_each_seat_gets_a_ticket_whose_qr_code_only_its_buyer_sees(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    c = await cast(api, platform)
    out = await c.outsiders(api, platform)
    order = ask("seats", c.buyer.id, c.seller.user.id)
    ticket_ids = (await arranged(platform, order))["ticket_ids"]
    assert len(ticket_ids) == 2
    listed = (await get(api, "/tickets", c.buyer, order_id=order["order_id"])).json()["items"]
    assert sorted(t["seat_label"] for t in listed) == ["A-1-1", "A-1-2"]
    assert {t["id"] for t in listed} == set(ticket_ids)
    first = ticket_ids[0]
    for reader in (c.buyer, c.seller, c.admin):
        seen = await get(api, f"/tickets/{first}", reader)
        assert seen.status_code == 200, seen.text
        body = seen.json()
        assert body["state"] == "issued" and "code" not in body
        assert datetime.fromisoformat(body["session_starts_at"]) == datetime.fromisoformat(
            order["session_starts_at"]
        )
    assert body["qr_svg_url"] == f"/api/fulfilment/tickets/{first}/qr.svg"
    link = f"http://127.0.0.1:8000/checkin/{first}?code={await code_of(platform, first)}"
    for kind, media in (("svg", "image/svg+xml"), ("png", "image/png")):
        image = await api.get(body[f"qr_{kind}_url"], headers=c.buyer.auth)
        assert image.status_code == 200, image.text
        assert image.headers["content-type"] == media
        assert "no-store" in image.headers["cache-control"]
        assert image.content == _qr(link, kind)
        for other in (c.seller, c.admin, out.stranger):
            assert (await api.get(body[f"qr_{kind}_url"], headers=other.auth)).status_code == 404
    for outsider in (out.seller, out.stranger):
        hidden = await get(api, f"/tickets/{first}", outsider)
        assert hidden.status_code == 404 and hidden.headers["content-type"].startswith(PROBLEM)
    assert (await get(api, "/tickets", out.stranger)).json()["items"] == []
    assert (await get(api, "/tickets", c.buyer, order_id="nope")).status_code == 422


async def test_a_ticket_is_checked_in_once_and_only_with_its_code(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    c = await cast(api, platform)
    out = await c.outsiders(api, platform)
    order = ask("seats", c.buyer.id, c.seller.user.id)
    ticket_id, other_id = (await arranged(platform, order))["ticket_ids"]
    code = await code_of(platform, ticket_id)
    checkin = f"/tickets/{ticket_id}/checkin"
    wrong = await post(api, checkin, c.seller, {"code": await code_of(platform, other_id)})
    assert wrong.status_code == 403 and wrong.json()["type"].endswith("/wrong-code")
    assert (await post(api, checkin, c.buyer, {"code": code})).status_code == 403
    assert (await post(api, checkin, out.seller, {"code": code})).status_code == 404
    assert (await post(api, checkin, c.seller, {"code": code, "seat": 1})).status_code == 422
    assert (await get(api, f"/tickets/{ticket_id}", c.buyer)).json()["state"] == "issued"
    assert await events(platform, "TicketCheckedIn") == []
    used = await post(api, checkin, c.seller, {"code": code})
    assert used.status_code == 200, used.text
    assert used.json()["state"] == "used" and used.json()["used_at"]
    again = await post(api, checkin, c.admin, {"code": code})
    assert again.status_code == 409 and again.json()["type"].endswith("/already-used")
    [checked_in] = await events(platform, "TicketCheckedIn")
    assert (checked_in["ticket_id"], checked_in["order_id"]) == (ticket_id, order["order_id"])
    late = await cancel(platform, order["order_id"])
    assert late.status_code == 409 and late.json()["type"].endswith("/too-late")
    assert (await get(api, f"/tickets/{other_id}", c.buyer)).json()["state"] == "issued"


async def test_tickets_are_called_off_together_and_only_before_the_performance(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    c = await cast(api, platform)
    starts_at = datetime.now(UTC) + timedelta(days=1)
    soon = ask("seats", c.buyer.id, c.seller.user.id, session_starts_at=starts_at.isoformat())
    later = ask("seats", c.buyer.id, c.seller.user.id)
    soon_ids = (await arranged(platform, soon))["ticket_ids"]
    later_ids = (await arranged(platform, later))["ticket_ids"]
    platform.runtimes["fulfilment"].clock = lambda: starts_at  # the curtain rises
    started = await cancel(platform, soon["order_id"])
    assert started.status_code == 409 and started.json()["type"].endswith("/too-late")
    assert (await get(api, f"/tickets/{soon_ids[0]}", c.buyer)).json()["state"] == "issued"
    for _ in range(2):
        reply = await cancel(platform, later["order_id"])
        assert reply.status_code == 200, reply.text
        assert reply.json()["state"] == "cancelled"
        assert sorted(reply.json()["ticket_ids"]) == sorted(later_ids)
    [called_off] = await events(platform, "FulfilmentCancelled")
    assert (called_off["what"], called_off["order_id"]) == ("tickets", later["order_id"])
    for ticket_id in later_ids:
        assert (await get(api, f"/tickets/{ticket_id}", c.buyer)).json()["state"] == "cancelled"
        code = await code_of(platform, ticket_id)
        refused = await post(api, f"/tickets/{ticket_id}/checkin", c.seller, {"code": code})
        assert refused.status_code == 409 and refused.json()["type"].endswith("/ticket-cancelled")
        qr = await get(api, f"/tickets/{ticket_id}/qr.svg", c.buyer)
        assert qr.status_code == 409
    assert await events(platform, "TicketCheckedIn") == []
