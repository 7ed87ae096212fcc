"""Every page word, merged from one module per area; a key defined twice is an error."""

from __future__ import annotations

from stampede.web.domain.words import account, admin, business, common, community, mypage, shop

Pair = tuple[str, str]


def merge(*areas: dict[str, Pair]) -> dict[str, Pair]:
    merged: dict[str, Pair] = {}
    for area in areas:
        twice = merged.keys() & area.keys()
        if twice:
            raise ValueError(f"words defined twice: {sorted(twice)}")
        merged.update(area)
    return merged


WORDS = merge(
    common.WORDS,
    account.WORDS,
    shop.WORDS,
    mypage.WORDS,
    community.WORDS,
    business.WORDS,
    admin.WORDS,
)
