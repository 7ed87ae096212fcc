"""Order messages on the embedded platform: every status change of an order is one inbox
notice and, as the buyer chose, one mail; the confirmation (CONFIRMED) is the booking mail with
seats and session time for tickets, item and amount otherwise — once, whatever the order of
arrival or however often an event is delivered."""

from __future__ import annotations

from typing import Any

import httpx

from stampede.compose import Platform
from stampede.kernel.messages import Event
from stampede.kernel.sqltypes import new_id
from tests.identity.support import User, new_user
from tests.mypage.support import at, changed, placed, publish, wrap
from tests.notification.support import NOTIFICATION, inbox, mails_to, text_of

STATUS_MAIL, BOOKING_MAIL = "주문 상태 안내", "확정되었습니다"


def deal_changes(order_id: str, user_id: str) -> list[Event]:
    moves = [
        ("PENDING_PAYMENT", "PAID", 1, "paid"),
        ("PAID", "CONFIRMED", 2, "fulfilment_arranged"),
        ("CONFIRMED", "SHIPPED", 3, "shipped"),
        ("SHIPPED", "COMPLETED", 4, "delivered"),
    ]
    return [changed(order_id, user_id, "deal", m, at(n + 1)) for n, m in enumerate(moves)]


async def notices(api: httpx.AsyncClient, user: User) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await inbox(api, user.auth))["items"]
    return items[::-1]  # oldest first


async def test_each_status_change_is_one_notice_and_one_mail_even_when_repeated(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    buyer, order_id = await new_user(api), new_id()
    envelopes = wrap([placed(order_id, buyer.id, "deal", at(0)), *deal_changes(order_id, buyer.id)])
    await publish(platform, envelopes)
    await publish(platform, envelopes)  # every message delivered again: nothing more
    told = await notices(api, buyer)
    assert sorted(n["kind"] for n in told) == ["booking_confirmed"] + ["status_changed"] * 3
    assert all(n["link"] == f"/mypage/orders/{order_id}" for n in told)
    statuses = " ".join(n["title"] for n in told if n["kind"] == "status_changed")
    assert all(label in statuses for label in ("결제 완료", "배송 시작", "완료"))
    assert len(mails_to(platform, buyer.email, STATUS_MAIL)) == 3
    [booking] = mails_to(platform, buyer.email, BOOKING_MAIL)
    assert "주문이 확정되었습니다" in str(booking["Subject"])
    body = text_of(booking)
    assert "상품: deal 상품" in body and "결제 금액: 100,000원" in body and order_id in body
    assert "좌석" not in body


async def test_a_ticket_confirmation_waits_for_the_order_and_lists_seats_and_time(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    buyer, order_id = await new_user(api), new_id()
    confirmed = ("PAID", "CONFIRMED", 2, "fulfilment_arranged")
    await publish(platform, wrap([changed(order_id, buyer.id, "performance", confirmed, at(2))]))
    assert await notices(api, buyer) == []
    assert mails_to(platform, buyer.email, BOOKING_MAIL) == []
    await publish(platform, wrap([placed(order_id, buyer.id, "performance", at(0))]))
    [notice] = await notices(api, buyer)
    assert notice["kind"] == "booking_confirmed"
    [mail] = mails_to(platform, buyer.email, "예매가 확정되었습니다")
    body = text_of(mail)
    assert "좌석: R석 A1, R석 A2" in body and "공연 일시: 2026-04-01 19:00 (한국 시간)" in body


async def test_an_older_change_is_not_told_and_a_cancelled_order_is_not_confirmed(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    buyer, order_id = await new_user(api), new_id()
    moves = [
        ("PAID", "CONFIRMED", 2, "fulfilment_arranged"),
        ("CONFIRMED", "CANCELLED", 3, "customer"),
        ("PENDING_PAYMENT", "PAID", 1, "paid"),
    ]
    for n, move in enumerate(moves):  # newest first, one at a time: CONFIRMED waits
        await publish(platform, wrap([changed(order_id, buyer.id, "car", move, at(3 - n))]))
    await publish(platform, wrap([placed(order_id, buyer.id, "car", at(0))]))
    [notice] = await notices(api, buyer)
    assert notice["kind"] == "status_changed" and "취소" in notice["title"]
    assert "사유: 고객 요청" in notice["body"]
    assert mails_to(platform, buyer.email, BOOKING_MAIL) == []
    assert len(mails_to(platform, buyer.email, STATUS_MAIL)) == 1


async def test_opting_out_of_order_status_mail_keeps_the_notices_and_the_booking_mail(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    buyer, order_id = await new_user(api), new_id()
    shown = (await api.get(f"{NOTIFICATION}/preferences", headers=buyer.auth)).json()
    assert shown["preferences"]["order_status"] == {"email": True, "inbox": True}
    off = {"preferences": {"order_status": {"email": False}}}
    reply = await api.put(f"{NOTIFICATION}/preferences", headers=buyer.auth, json=off)
    assert reply.status_code == 200, reply.text
    envelopes = wrap([placed(order_id, buyer.id, "deal", at(0)), *deal_changes(order_id, buyer.id)])
    await publish(platform, envelopes)
    assert len(await notices(api, buyer)) == 4
    assert mails_to(platform, buyer.email, STATUS_MAIL) == []
    assert len(mails_to(platform, buyer.email, BOOKING_MAIL)) == 1
