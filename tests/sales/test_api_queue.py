"""The waiting room through the public API: order, leaving, admission tokens and their abuse."""

from __future__ import annotations

import httpx

from stampede.compose import Platform
from stampede.sales.domain.tokens import admission_token
from tests.catalog.support import new_business
from tests.identity.support import User, new_admin
from tests.sales.support import OPEN, SALES, Clock, admit, buyers, hold, new_deal, share_clock


async def _enter(api: httpx.AsyncClient, user: User, listing_id: str) -> dict[str, object]:
    reply = await api.post(f"{SALES}/{listing_id}/queue", headers=user.auth)
    assert reply.status_code in (200, 201), reply.text
    body: dict[str, object] = reply.json()
    return body


async def _poll(api: httpx.AsyncClient, user: User, ticket: object) -> dict[str, object]:
    reply = await api.get(f"{SALES}/queue/{ticket}", headers=user.auth)
    assert reply.status_code == 200, reply.text
    body: dict[str, object] = reply.json()
    return body


async def _admit_everyone(platform: Platform, clock: Clock) -> None:
    await admit(platform)  # starts the bucket
    clock.advance(seconds=10)
    await admit(platform)


async def test_buyers_wait_in_arrival_order_and_refresh_puts_you_last(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform, OPEN)
    listing_id = await new_deal(api, platform, waiting_room=True)
    a, b, c = await buyers(api, 3)
    tickets = [await _enter(api, u, listing_id) for u in (a, b, c)]
    assert [t["position"] for t in tickets] == [1, 2, 3]
    again = await api.post(f"{SALES}/{listing_id}/queue", headers=a.auth)
    assert again.status_code == 200 and again.json()["ticket"] == tickets[0]["ticket"]
    left = await api.delete(f"{SALES}/queue/{tickets[0]['ticket']}", headers=a.auth)
    assert left.status_code == 204
    back = await _enter(api, a, listing_id)
    assert back["position"] == 3 and (await _poll(api, b, tickets[1]["ticket"]))["position"] == 1


async def test_an_admission_token_makes_one_hold_for_its_owner_only(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    clock = share_clock(platform, OPEN)
    listing_id = await new_deal(api, platform, waiting_room=True, per_user_limit=5)
    owner, other = await buyers(api, 2)
    ticket = (await _enter(api, owner, listing_id))["ticket"]
    no_token = await hold(api, owner, {"listing_id": listing_id})
    assert no_token.status_code == 403, no_token.text
    await _admit_everyone(platform, clock)
    token = (await _poll(api, owner, ticket))["admission_token"]
    assert isinstance(token, str)
    body = {"listing_id": listing_id, "admission_token": token}
    stolen = await hold(api, other, body)
    assert stolen.status_code == 403 and stolen.json()["type"].endswith("bad-admission")
    forged = await hold(api, owner, body | {"admission_token": token[:-3] + "abc"})
    assert forged.status_code == 403
    assert (await hold(api, owner, body)).status_code == 201
    used = await hold(api, owner, body)
    assert used.status_code == 403 and used.json()["type"].endswith("admission-used")


async def test_an_expired_or_self_signed_admission_is_refused(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    clock = share_clock(platform, OPEN)
    listing_id = await new_deal(api, platform, waiting_room=True)
    (owner,) = await buyers(api, 1)
    ticket = (await _enter(api, owner, listing_id))["ticket"]
    homemade = admission_token("not-the-server-secret", str(ticket), owner.id, 10**10)
    body = {"listing_id": listing_id, "admission_token": homemade}
    assert (await hold(api, owner, body)).status_code == 403
    await _admit_everyone(platform, clock)
    token = (await _poll(api, owner, ticket))["admission_token"]
    clock.advance(seconds=platform.settings.admission_ttl_s + 1)
    expired = await hold(api, owner, body | {"admission_token": token})
    assert expired.status_code == 403 and expired.json()["type"].endswith("admission-expired")


async def test_someone_elses_ticket_is_not_found(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform, OPEN)
    listing_id = await new_deal(api, platform, waiting_room=True)
    owner, other = await buyers(api, 2)
    ticket = (await _enter(api, owner, listing_id))["ticket"]
    for reply in (
        await api.get(f"{SALES}/queue/{ticket}", headers=other.auth),
        await api.delete(f"{SALES}/queue/{ticket}", headers=other.auth),
    ):
        assert reply.status_code == 404, reply.text
    assert (await _poll(api, owner, ticket))["position"] == 1


async def test_polling_answers_304_while_nothing_changed(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform, OPEN)
    listing_id = await new_deal(api, platform, waiting_room=True)
    (owner,) = await buyers(api, 1)
    entered = await api.post(f"{SALES}/{listing_id}/queue", headers=owner.auth)
    path = f"{SALES}/queue/{entered.json()['ticket']}"
    tag = entered.headers["ETag"]
    unchanged = await api.get(path, headers=owner.auth | {"If-None-Match": tag})
    assert unchanged.status_code == 304


async def test_a_deal_without_waiting_room_has_no_queue(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform, OPEN)
    listing_id = await new_deal(api, platform)
    (owner,) = await buyers(api, 1)
    reply = await api.post(f"{SALES}/{listing_id}/queue", headers=owner.auth)
    assert reply.status_code == 409 and reply.json()["type"].endswith("no-waiting-room")


async def test_the_event_stream_tells_an_admitted_buyer_their_token(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    clock = share_clock(platform, OPEN)
    listing_id = await new_deal(api, platform, waiting_room=True)
    (owner,) = await buyers(api, 1)
    ticket = (await _enter(api, owner, listing_id))["ticket"]
    await _admit_everyone(platform, clock)
    reply = await api.get(f"{SALES}/queue/{ticket}/events", headers=owner.auth)
    assert reply.headers["content-type"].startswith("text/event-stream")
    event, data = reply.text.strip().split("\n")[:2]
    assert event == "event: place" and '"admitted": true' in data
    assert (await api.get(f"{SALES}/queue/{ticket}/events", headers=owner.auth)).status_code == 200


async def test_the_selling_business_and_admins_set_the_admission_rate(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    share_clock(platform, OPEN)
    seller, rival = await new_business(api, platform), await new_business(api, platform)
    listing_id = await new_deal(api, platform, business=seller, waiting_room=True)
    (customer,) = await buyers(api, 1)
    admin = await new_admin(api, platform)
    path, body = f"{SALES}/{listing_id}/queue/rate", {"rate_per_s": 5}
    for outsider in (rival.user, customer):
        assert (await api.put(path, headers=outsider.auth, json=body)).status_code == 404
    assert (await api.put(path, headers=seller.auth, json=body)).status_code == 204
    assert (await api.put(path, headers=admin.auth, json={"rate_per_s": None})).status_code == 204
    assert (await api.put(path, json=body)).status_code == 401
