"""The buyer's side of the fake provider, for tests and load generators: open the page a
``ready`` answer points to and press Approve or Cancel, as a browser would.

Approving gives the URLs the buyer's browser then visits — the partner's ``approval_url`` with
its ``pg_token`` — twice when the provider plays a duplicate callback, so the partner's approve
is reached twice with the same token.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from stampede.fakepg.app import CALLBACKS_HEADER


class PageRefused(Exception):
    """The page did not send the buyer on (unknown transaction, or no longer payable)."""


async def approve_at_page(client: httpx.AsyncClient, page_url: str) -> list[str]:
    """Press Approve on the page at ``page_url``; the callback URL(s) the browser visits next.
    Raises :class:`PageRefused` when the page is gone or sends the buyer to ``fail_url``."""
    shown = await client.get(page_url)
    if shown.status_code != 200 or "/approve" not in shown.text:
        raise PageRefused(f"the page answered {shown.status_code} without an Approve button")
    pressed = await client.post(page_url.split("?", 1)[0] + "/approve")
    if pressed.status_code != 303 or "pg_token" not in pressed.headers.get("location", ""):
        raise PageRefused(f"approve answered {pressed.status_code}")
    return [pressed.headers["location"]] * int(pressed.headers.get(CALLBACKS_HEADER, "1"))


async def cancel_at_page(client: httpx.AsyncClient, page_url: str) -> str:
    """Press Cancel on the page; the ``cancel_url`` the browser visits next."""
    pressed = await client.post(page_url.split("?", 1)[0] + "/cancel")
    if pressed.status_code != 303:
        raise PageRefused(f"cancel answered {pressed.status_code}")
    return pressed.headers["location"]


def pg_token(callback_url: str) -> str:
    """The ``pg_token`` a callback URL carries."""
    return parse_qs(urlsplit(callback_url).query)["pg_token"][0]
