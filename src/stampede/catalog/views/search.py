"""What a search box query means: lower-cased terms that must all occur in a listing's text.

The store matches each term as a substring (see ``store.search``): "갤럭시" finds "삼성 갤럭시
S24", "galaxy" finds "Galaxy S24 Ultra", "갤럭시 울트라" finds "갤럭시 S24 울트라".
"""

from __future__ import annotations

MAX_TERMS = 8


def terms(q: str | None) -> tuple[str, ...]:
    """The query's distinct terms in order, lower-cased, at most :data:`MAX_TERMS`."""
    if q is None:
        return ()
    found: list[str] = []
    for word in q.lower().split():
        if word not in found:
            found.append(word)
    return tuple(found[:MAX_TERMS])
