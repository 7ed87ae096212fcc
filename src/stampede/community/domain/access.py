"""Who sees and changes what.

Hidden posts, comments and reviews exist only for admins: for everyone else they are a 404,
as if they had never been written. Only the author edits or deletes their own post, comment
or review (403 ``not-yours`` for anyone else, admins included: they hide instead). Guests
read; every write needs a login (401, checked at the route).
"""

from __future__ import annotations

from stampede.kernel.errors import Forbidden, NotFound

ADMIN = "admin"
VISIBLE, HIDDEN, DELETED = "visible", "hidden", "deleted"
STATES = (VISIBLE, HIDDEN, DELETED)


def is_admin(roles: frozenset[str] | None) -> bool:
    return roles is not None and ADMIN in roles


def seen(state: str | None, admin: bool, noun: str) -> None:
    """404 ``no-<noun>`` unless the thing exists and is visible (or hidden, to an admin)."""
    if state is None or state == DELETED or (state == HIDDEN and not admin):
        raise NotFound(f"no such {noun}", slug=f"no-{noun}")


def owned(author_id: str, user_id: str, noun: str) -> None:
    """403 ``not-yours`` unless ``user_id`` wrote it."""
    if author_id != user_id:
        raise Forbidden(f"only its author may change this {noun}", slug="not-yours")
