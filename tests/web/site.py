"""The running site of the page journeys and the steps every journey shares."""

from __future__ import annotations

import email
import re
import sqlite3
import time
import uuid
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from tests.system.processes import Process
from tests.web.legibility import legibility_problems

DEMO = {
    "admin": ("admin@stampede.local", "demo-pass-admin"),
    "shop1": ("shop1@stampede.local", "demo-pass-shop1"),
    "shop2": ("shop2@stampede.local", "demo-pass-shop2"),
    "minji": ("minji@stampede.local", "demo-pass-minji"),
}
PASSWORD = "journey-pass-1234"


@dataclass
class Site:
    url: str
    data_dir: Path
    process: Process

    def mails_to(self, address: str) -> list[Message]:
        found = []
        for path in sorted((self.data_dir / "mail").glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes())
            if address in str(message.get("To", "")):
                found.append(message)
        return found

    def verification_link(self, address: str, timeout_s: float = 20) -> str:
        """The site-relative verification link of the newest mail to ``address``."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for message in reversed(self.mails_to(address)):
                link = re.search(r"(/verify-email\?token=[A-Za-z0-9_\-.~%]+)", _text(message))
                if link:
                    return link.group(1)
            time.sleep(0.2)
        raise AssertionError(f"no verification mail to {address}:\n{self.process.output()[-2000:]}")

    def checkin_link(self, ticket_id: str) -> str:
        """What the ticket's QR code says (the door staff's scanner reads it): the site-relative
        check-in link with the ticket's secret code, read where the code is kept."""
        with sqlite3.connect(self.data_dir / "fulfilment.db") as db:
            (code,) = db.execute("select code from tickets where id = ?", (ticket_id,)).fetchone()
        return f"/checkin/{ticket_id}?code={quote(str(code), safe='')}"

    def person(self, browser: Any, lang: str) -> Any:
        """A page in a browser context of its own: another person at another computer."""
        from tests.web.conftest import LOCALES

        context = browser.new_context(locale=LOCALES[lang], base_url=self.url)
        context.set_default_timeout(15_000)
        return context.new_page()


def wait_for_sales(url: str, timeout_s: float = 120) -> None:
    """Until sales knows every demo performance and phone (the demo's events are handled in
    the background after start-up), so journeys start on a settled site."""
    deadline = time.monotonic() + timeout_s
    with httpx.Client(base_url=url, timeout=15) as client:
        for kind in ("performance", "device"):
            params: dict[str, str | int] = {"kind": kind, "limit": 50}
            for item in client.get("/api/catalog/listings", params=params).json()["items"]:
                while not client.get(f"/api/sales/{item['id']}/availability").json():
                    assert time.monotonic() < deadline, f"sales does not know {item['id']}"
                    time.sleep(0.5)


def _text(message: Message) -> str:
    parts = message.walk() if message.is_multipart() else [message]
    texts = []
    for part in parts:
        if part.get_content_type() in ("text/plain", "text/html"):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                texts.append(payload.decode(part.get_content_charset() or "utf-8"))
    return "\n".join(texts).replace("&amp;", "&")


def new_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def log_in(page: Any, address: str, password: str) -> None:
    page.goto("/login")
    page.fill("#f-email", address)
    page.fill("#f-password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state()


def sign_up(page: Any, site: Site, prefix: str, name: str = "Journey") -> str:
    """A new verified account, logged in on ``page``; its e-mail address."""
    address = new_email(prefix)
    page.goto("/signup")
    page.fill("#f-name", name)
    page.fill("#f-email", address)
    page.fill("#f-password", PASSWORD)
    page.click("form[action='/signup'] button[type=submit]")
    page.locator(".flash, #form-errors").first.wait_for()
    assert page.locator("#form-errors").count() == 0, page.locator("#form-errors").inner_text()
    page.goto(site.verification_link(address))
    return address


def shot(page: Any, folder: Path, journey: str, lang: str) -> Path:
    """The final page of a journey: checked for legibility, then saved as a screenshot."""
    problems = legibility_problems(page)
    assert not problems, f"{page.url}: {problems}"
    path = folder / f"{journey}-{lang}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
