"""The business portal: a company application, the dashboard, listings, shops, orders to
fulfil and the sales history of the calling business (admins may use it too)."""

from __future__ import annotations

from stampede.web.domain.claims import Visitor
from stampede.web.handlers.session import Forbidden, Visit

SELLER_ROLES = ("business", "admin")


def require_seller(visit: Visit) -> Visitor:
    """The logged-in visitor, who must be a business or an admin (403 page otherwise)."""
    visitor = visit.require()
    if visitor.user_id and not any(visitor.has(role) for role in SELLER_ROLES):
        raise Forbidden()
    return visitor
