"""The fake provider behaves like KakaoPay's single payment: ready, the buyer's page, approve
once with the page's token, cancel never more than was captured, the order's standing; every
API call needs the secret key."""

from __future__ import annotations

from stampede.fakepg.buyer import PageRefused, approve_at_page, cancel_at_page, pg_token
from tests.fakepg.support import AUTH, BASE, approve, cancel, provider, ready, ready_body, standing


async def test_a_payment_is_approved_once_with_the_pages_token() -> None:
    async with provider() as client:
        found = await ready(client)
        assert found["next_redirect_pc_url"] == f"{BASE}/pay/{found['tid']}"
        [callback] = await approve_at_page(client, found["next_redirect_pc_url"])
        assert callback.startswith("https://shop.test/pay/approved?payment=p1&pg_token=")
        token = pg_token(callback)
        assert (await approve(client, found["tid"], "wrong")).json()["error_code"] == -782
        approved = await approve(client, found["tid"], token)
        assert approved.status_code == 200 and approved.json()["amount"]["total"] == 12_000
        assert approved.json()["aid"]
        second = await approve(client, found["tid"], token)
        assert second.status_code == 400 and second.json()["error_code"] == -702
        assert (await standing(client, found["tid"]))["status"] == "SUCCESS_PAYMENT"


async def test_cancels_never_give_back_more_than_was_captured() -> None:
    async with provider() as client:
        found = await ready(client, total_amount=10_000)
        assert (await cancel(client, found["tid"], 0)).json()["status"] == "CANCEL_PAYMENT"
        found = await ready(client, total_amount=10_000)
        [callback] = await approve_at_page(client, found["next_redirect_pc_url"])
        await approve(client, found["tid"], pg_token(callback))
        part = (await cancel(client, found["tid"], 4_000)).json()
        assert part["status"] == "PART_CANCEL_PAYMENT"
        assert part["cancel_available_amount"]["total"] == 6_000
        over = await cancel(client, found["tid"], 6_001)
        assert over.status_code == 400 and over.json()["error_code"] == -798
        rest = (await cancel(client, found["tid"], 6_000)).json()
        assert rest["status"] == "CANCEL_PAYMENT" and rest["canceled_amount"]["total"] == 10_000
        assert (await cancel(client, found["tid"], 1)).json()["error_code"] == -799


async def test_the_page_shows_the_payment_with_a_qr_code_and_no_script() -> None:
    async with provider() as client:
        found = await ready(client, item_name="<b>감귤</b>")
        page = await client.get(found["next_redirect_pc_url"])
        assert page.status_code == 200 and "12,000원" in page.text
        assert "&lt;b&gt;감귤&lt;/b&gt;" in page.text and "<b>감귤" not in page.text
        assert "<svg" in page.text and "<script" not in page.text
        assert "script-src" not in page.headers["content-security-policy"]
        assert page.headers["content-security-policy"].startswith("default-src 'none'")
        assert (await client.get("/pay/T-unknown")).status_code == 404


async def test_the_buyer_who_quits_cannot_be_approved() -> None:
    async with provider() as client:
        found = await ready(client)
        assert await cancel_at_page(client, found["next_redirect_pc_url"]) == (
            "https://shop.test/pay/cancelled"
        )
        assert (await standing(client, found["tid"]))["status"] == "QUIT_PAYMENT"
        gone = await client.post(f"/pay/{found['tid']}/approve")
        assert (
            gone.status_code == 303 and gone.headers["location"] == "https://shop.test/pay/failed"
        )
        try:
            await approve_at_page(client, found["next_redirect_pc_url"])
        except PageRefused:
            pass
        else:
            raise AssertionError("a quit payment's page still offers Approve")


async def test_every_api_call_needs_the_secret_key_and_a_valid_body() -> None:
    async with provider() as client:
        for given in ("", "KakaoAK x", "SECRET_KEY no", "SECRET_KEY"):
            wrong = {"Authorization": given}
            refused = await client.post("/v1/payment/ready", json=ready_body(), headers=wrong)
            assert refused.status_code == 401 and refused.json()["error_code"] == -401
        bad = await client.post("/v1/payment/ready", json=ready_body(approval_url="javascript:x"))
        assert bad.status_code == 400 and bad.json()["error_code"] == -400
        extra = await client.post("/v1/payment/ready", json=ready_body(surprise=1))
        assert extra.status_code == 400
        unknown = await client.post("/v1/payment/order", json={"cid": "TC0ONETIME", "tid": "T0"})
        assert unknown.status_code == 400 and unknown.json()["error_code"] == -708
        assert (await client.get("/admin/knobs", headers={"Authorization": ""})).status_code == 401
        assert (await client.get("/admin/knobs", headers=AUTH)).status_code == 200
