"""Words of the business pages: key -> (Korean, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {}
