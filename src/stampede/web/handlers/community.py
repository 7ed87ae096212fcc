"""The community's boards, posts, comments and reactions, read and written through the
public community API, shaped for the pages."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from stampede.web.handlers.session import Visit
from stampede.web.store import ApiProblem

API = "/api/community"
LATEST_PER_BOARD = 3
COMMENTS_PAGE = 50
POST_FIELDS = ("title", "body")
PRICE_FIELDS = ("item", "price", "store", "url")
REACTIONS = {
    "like": ("POST", "like"),
    "unlike": ("DELETE", "like"),
    "confirm": ("POST", "confirm"),
    "unconfirm": ("DELETE", "confirm"),
}
FORM_PROBLEMS = (400, 409, 413, 415, 422, 429)


def post_path(post_id: str) -> str:
    """The API path of a post; a 404 for anything that is not a post id."""
    try:
        return f"{API}/posts/{uuid.UUID(post_id)}"
    except ValueError:
        raise ApiProblem(404) from None


def shown_on_form(problem: ApiProblem) -> bool:
    """Whether the problem belongs on the form it came from (else it is an error page)."""
    return problem.status in FORM_PROBLEMS


async def boards(visit: Visit) -> list[dict[str, Any]]:
    return list(await visit.get(f"{API}/boards"))


async def boards_with_latest(visit: Visit) -> list[dict[str, Any]]:
    """Every board, each with its few newest posts (``latest``)."""
    found = await boards(visit)
    for board in found:
        page = await board_posts(visit, board["slug"], None, LATEST_PER_BOARD)
        board["latest"] = page["items"]
    return found


async def board_posts(
    visit: Visit, slug: str, cursor: str | None, limit: int = 20
) -> dict[str, Any]:
    """One page of a board's posts, newest first (``board``, ``items``, ``next_cursor``)."""
    params: dict[str, Any] = {"limit": limit}
    if cursor:
        params["cursor"] = cursor
    page: dict[str, Any] = await visit.get(f"{API}/boards/{slug}/posts", params=params)
    return page


async def board(visit: Visit, slug: str) -> dict[str, Any]:
    """The board named ``slug``; a 404 when there is none."""
    for found in await boards(visit):
        if found["slug"] == slug:
            return found
    raise ApiProblem(404)


async def post(visit: Visit, post_id: str) -> dict[str, Any]:
    found: dict[str, Any] = await visit.get(post_path(post_id))
    return found


async def comments(visit: Visit, post_id: str, cursor: str | None) -> dict[str, Any]:
    """A page of the post's top-level comments, oldest first, each with its replies."""
    params: dict[str, Any] = {"limit": COMMENTS_PAGE}
    if cursor:
        params["cursor"] = cursor
    page: dict[str, Any] = await visit.get(f"{post_path(post_id)}/comments", params=params)
    return page


def post_body(form: dict[str, str], for_prices: bool) -> dict[str, Any]:
    """The API body of a post form: title and body as typed; on a price board the item,
    price, store and link (blank ones left out, the price as typed for the API to check)."""
    body: dict[str, Any] = {name: form.get(name, "") for name in POST_FIELDS}
    tags = form.get("tags", "").replace(",", " ").split()
    body["tags"] = tags
    if for_prices:
        for name in PRICE_FIELDS:
            value = form.get(name, "").strip()
            body[name] = (value.replace(",", "") if name == "price" else value) or None
    return body


async def write_post(visit: Visit, slug: str, body: dict[str, Any]) -> str:
    """The new post's id."""
    created = await visit.post(f"{API}/boards/{slug}/posts", body)
    return str(created["id"])


async def change_post(visit: Visit, post_id: str, body: dict[str, Any]) -> None:
    await visit.patch(post_path(post_id), body)


async def delete_post(visit: Visit, post_id: str) -> None:
    await visit.delete(post_path(post_id))


async def upload_photo(visit: Visit, post_id: str, name: str, data: bytes, kind: str) -> None:
    """The post's photo (the API checks its type and size)."""
    files = {"file": (name or "photo", data, kind or "application/octet-stream")}
    response = await visit.raw("POST", f"{post_path(post_id)}/image", files=files)
    if response.status_code >= 400:
        raise ApiProblem.of(response)


async def photo(visit: Visit, post_id: str) -> httpx.Response:
    """The post's photo as the API answers it."""
    response = await visit.raw("GET", f"{post_path(post_id)}/image")
    if response.status_code >= 400:
        raise ApiProblem.of(response)
    return response


async def react(visit: Visit, post_id: str, action: str) -> dict[str, Any]:
    """Like, unlike, confirm or take back a price confirmation; the post's count after it."""
    method, what = REACTIONS[action]
    answer: dict[str, Any] = await visit.api(method, f"{post_path(post_id)}/{what}")
    return answer


async def post_after_reaction(visit: Visit, post_id: str, action: str) -> dict[str, Any]:
    """The post with the visitor's reaction applied (its answer's count and mark win over a
    read that may be a moment old)."""
    answer = await react(visit, post_id, action)
    found = await post(visit, post_id)
    counter = "likes" if answer["what"] == "like" else "confirms"
    mark = "liked" if answer["what"] == "like" else "confirmed"
    found[counter] = answer["count"]
    if found.get("mine") is not None:
        found["mine"][mark] = answer["mine"]
    return found


async def write_comment(visit: Visit, post_id: str, text: str, parent_id: str) -> None:
    body: dict[str, Any] = {"body": text}
    if parent_id:
        body["parent_id"] = parent_id
    await visit.post(f"{post_path(post_id)}/comments", body)


async def delete_comment(visit: Visit, comment_id: str) -> None:
    try:
        path = f"{API}/comments/{uuid.UUID(comment_id)}"
    except ValueError:
        raise ApiProblem(404) from None
    await visit.delete(path)


async def report(visit: Visit, post_id: str, kind: str, reason: str) -> None:
    await visit.post(f"{post_path(post_id)}/report", {"kind": kind or "other", "reason": reason})
