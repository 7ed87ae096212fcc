"""Signing up, verifying the mail, logging out and in again, in Korean and English; the login
page takes a visitor back where a 401 sent them from; forms refuse a missing CSRF token."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from stampede.web.api.pages import pending_cookies
from stampede.web.handlers.session import Cookie, Visit
from stampede.web.store import Gateway
from tests.web.site import DEMO, PASSWORD, Site, log_in, shot, sign_up

WORDS = {
    "ko": {"verified": "이메일이 인증되었어요", "logout": "로그아웃", "login": "로그인"},
    "en": {"verified": "Your e-mail is verified", "logout": "Log out", "login": "Log in"},
}


def test_sign_up_verify_log_out_and_in(new_page: Any, site: Site, lang: str, shots: Path) -> None:
    page = new_page
    address = sign_up(page, site, "account", name="가입자")
    assert WORDS[lang]["verified"] in page.inner_text("main")
    assert page.locator("html").get_attribute("lang") == lang
    page.click(f"text={WORDS[lang]['logout']}")
    page.wait_for_url(re.compile(r"/\?flash="))
    assert page.get_by_role("link", name=WORDS[lang]["login"]).count() == 1
    log_in(page, address, PASSWORD)
    assert page.get_by_role("button", name=WORDS[lang]["logout"]).count() == 1
    shot(page, shots, "account", lang)


def test_wrong_password_is_a_message_on_the_form(new_page: Any, site: Site, lang: str) -> None:
    page = new_page
    log_in(page, "nobody@example.com", "not-the-password")
    alert = page.get_by_role("alert")
    assert alert.count() == 1 and alert.inner_text().strip()
    assert page.input_value("#f-email") == "nobody@example.com"


def test_a_form_without_its_csrf_token_is_refused(site: Site) -> None:
    answer = httpx.post(
        f"{site.url}/login", data={"email": "a@example.com", "password": "x"}, timeout=10
    )
    assert answer.status_code == 403
    assert "text/html" in answer.headers["content-type"]


def test_pages_forbid_inline_script(site: Site) -> None:
    answer = httpx.get(f"{site.url}/", timeout=10)
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<script>" not in answer.text and " style=" not in answer.text


def _logged_in_client(site: Site, address: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=site.url, timeout=15)
    client.get("/login")
    form = {"csrf_token": client.cookies["st_csrf"], "email": address, "password": password}
    assert client.post("/login", data={**form, "next": "/"}).status_code == 303
    return client


def test_an_unreadable_access_token_is_renewed_with_the_refresh_token(site: Site) -> None:
    client = _logged_in_client(site, *DEMO["minji"])
    try:
        old_refresh = client.cookies["st_refresh"]
        client.cookies.set("st_access", "not.a.token", domain="127.0.0.1")
        answer = client.get("/")
        assert answer.status_code == 200
        assert 'action="/logout"' in answer.text
        assert client.cookies["st_access"] != "not.a.token"
        assert client.cookies["st_refresh"] != old_refresh  # rotated
    finally:
        client.close()


def test_a_refused_refresh_ends_the_session(site: Site) -> None:
    with httpx.Client(base_url=site.url, timeout=15) as client:
        client.cookies.set("st_refresh", "00000000-0000-4000-8000-000000000000", domain="127.0.0.1")
        answer = client.get("/")
        assert answer.status_code == 200 and 'href="/login"' in answer.text
        assert "st_refresh" not in client.cookies


def test_a_renewed_session_reaches_the_browser_from_any_answer(site: Site) -> None:
    """A route that answers by itself (JSON, an image) after the session was renewed still
    hands over the new pair; the spent refresh token would otherwise end the session."""
    client = _logged_in_client(site, *DEMO["minji"])
    try:
        client.cookies.set("st_access", "not.a.token", domain="127.0.0.1")
        old_refresh = client.cookies["st_refresh"]
        answer = client.get("/sales/queue/no-such-ticket/place")
        assert answer.status_code in (404, 422)
        assert client.cookies["st_refresh"] != old_refresh
        assert 'action="/logout"' in client.get("/").text  # still logged in
    finally:
        client.close()


def test_requests_arriving_together_renew_the_session_once(site: Site) -> None:
    """Several requests of one browser with the same spent access token (a page and its
    images) renew once and all stay logged in; presenting the refresh token twice would have
    identity end the session."""
    client = _logged_in_client(site, *DEMO["minji"])
    try:
        cookies = {"st_refresh": client.cookies["st_refresh"], "st_access": "not.a.token"}
    finally:
        client.close()

    def home() -> httpx.Response:
        with httpx.Client(base_url=site.url, cookies=cookies, timeout=20) as each:
            return each.get("/")

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: home(), range(4)))
    assert all('action="/logout"' in answer.text for answer in answers)
    renewed = {answer.cookies.get("st_refresh") for answer in answers}
    assert len(renewed) == 1 and None not in renewed
    with httpx.Client(base_url=site.url, timeout=20) as later:
        later.cookies.set("st_refresh", renewed.pop() or "", domain="127.0.0.1")
        assert 'action="/logout"' in later.get("/").text  # the family lives on


def test_session_cookies_are_beyond_scripts_and_other_sites(new_page: Any) -> None:
    page = new_page
    log_in(page, *DEMO["minji"])
    cookies = page.context.cookies()
    assert {"st_csrf"} < {cookie["name"] for cookie in cookies}
    assert len(cookies) >= 3  # the CSRF token and the token pair
    assert all(cookie["httpOnly"] and cookie["sameSite"] == "Lax" for cookie in cookies)
    assert not any(cookie["secure"] for cookie in cookies)  # plain http here
    assert page.evaluate("() => document.cookie") == ""


def test_cookies_are_secure_behind_tls() -> None:
    visit = Visit(Gateway(httpx.AsyncClient(base_url="http://unused")), "ko", "", None, None, "t")
    visit.cookies.append(Cookie("st_access", "token", 600))
    visit.cookies.append(Cookie("st_refresh", "", 0))
    written = [value.decode() for _, value in pending_cookies(visit, secure=True)]
    assert len(written) == 2
    assert all("; Secure" in line and "; HttpOnly" in line for line in written)
    assert "samesite=lax" in written[0].lower() and not visit.cookies
