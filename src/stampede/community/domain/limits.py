"""How fast members may write, and how often one reader's views count.

Each member may start :data:`POSTING` posts and :data:`COMMENTING` comments per window; the
window opens with the first write and the next write after the limit is a 429 with
``Retry-After`` (the seconds until the window closes). A reader's repeated reads of one post
count as one view per :data:`VIEW_DEBOUNCE_S`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    action: str  # names the counter and the 429's slug
    limit: int
    window_s: int


POSTING = Rate("posting", 10, 60)
COMMENTING = Rate("commenting", 30, 60)
VIEW_DEBOUNCE_S = 600
