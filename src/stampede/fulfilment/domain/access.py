"""Who may see or handle what was arranged.

Staff routes need the business or admin role (403 otherwise). A business user handles only
their own orders (``seller_id`` of the ask); for anyone else such a thing does not exist
(404), so ids cannot be probed. An admin handles and sees everything; a buyer sees their own.
"""

from __future__ import annotations

STAFF_ROLES = ("business", "admin")


def is_staff(roles: frozenset[str]) -> bool:
    return any(role in roles for role in STAFF_ROLES)


def may_handle(user_id: str, roles: frozenset[str], seller_id: str | None) -> bool:
    """The seller (a business user) of the order, or an admin."""
    return "admin" in roles or ("business" in roles and seller_id == user_id)


def may_see(user_id: str, roles: frozenset[str], buyer_id: str, seller_id: str | None) -> bool:
    return user_id == buyer_id or may_handle(user_id, roles, seller_id)
