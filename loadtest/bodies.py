"""Request bodies the scenario and its seeding send (kept apart from the locust file, which
patches the process with gevent on import)."""

from __future__ import annotations

from typing import Any


def new_post(board: str, n: int) -> dict[str, Any]:
    """A post for ``board``; price boards also want the item and its price."""
    body: dict[str, Any] = {
        "title": f"오늘의 절약 팁 {n}",
        "body": f"장보기 전에 목록을 적어 가면 충동구매가 줄어요. 후기 {n}",
        "tags": ["절약", "후기"],
    }
    if board == "prices":
        body |= {"item": f"생수 2L x 12병 ({n})", "price": 5900 + n % 3000, "store": "동네마트"}
    return body


def new_comment(n: int) -> dict[str, Any]:
    return {"body": f"좋은 정보 감사합니다 #{n}"}
