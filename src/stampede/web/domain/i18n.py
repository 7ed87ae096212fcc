"""Korean (the default) and English: which one a visitor reads, and the words in it.

The language is the ``lang`` cookie when the visitor chose one, else the first of Korean or
English in the browser's ``Accept-Language``, else Korean. Words live in ``domain/words/<area>.py``
as ``key -> (korean, english)``; a missing key shows the key itself (and fails the catalogue
test), so a page never breaks on a word.
"""

from __future__ import annotations

from stampede.web.domain.words import WORDS

LANGS = ("ko", "en")
DEFAULT = "ko"


def pick_language(chosen: str | None, accept_language: str) -> str:
    if chosen in LANGS:
        return str(chosen)
    for part in _by_quality(accept_language):
        primary = part.split("-", 1)[0].strip().lower()
        if primary in LANGS:
            return primary
    return DEFAULT


def _by_quality(header: str) -> list[str]:
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def translate(lang: str, key: str, **values: object) -> str:
    """The word for ``key`` in ``lang`` with ``{name}`` placeholders filled."""
    pair = WORDS.get(key)
    if pair is None:
        return key
    text = pair[0] if lang == "ko" else pair[1]
    return text.format(**values) if values else text
