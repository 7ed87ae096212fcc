"""Boards: the free board (자유게시판, the "거지방" thrift talk) and the lowest-price board
(최저가 공유), created by the first migration; admins may add more of either kind.

A board's kind decides what its posts hold: on a ``prices`` board every post names an item and
its price (and may name the store, a link and carry a photo), members confirm the price; a
``free`` board has plain posts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

FREE, PRICES = "free", "prices"
BOARD_KINDS = (FREE, PRICES)
SLUG_PATTERN = r"^[a-z][a-z0-9-]{1,29}$"
NAME_MAX, DESCRIPTION_MAX = 50, 200


@dataclass(frozen=True)
class Board:
    slug: str
    name: str
    description: str
    kind: str  # free | prices
    position: int  # boards are listed by position, then slug
    created_at: datetime

    @property
    def for_prices(self) -> bool:
        return self.kind == PRICES


DEFAULT_BOARDS = (
    (FREE, "자유게시판 (거지방)", "아끼고 모으는 이야기, 절약 인증, 무지출 챌린지를 나눠요.", FREE),
    (PRICES, "최저가 공유", "어디서 얼마에 샀는지, 지금 제일 싼 곳을 알려 주세요.", PRICES),
)
"""``(slug, name, description, kind)`` of the boards every community starts with."""
