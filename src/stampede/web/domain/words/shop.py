"""Words of the home, search, listing, waiting-room and checkout pages: key -> (Korean, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "home.deals": ("오늘의 타임딜", "Today's deals"),
    "home.shows": ("예매 중인 공연", "Tickets on sale"),
}
