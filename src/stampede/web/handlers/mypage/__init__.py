"""My page's handlers: the buyer's orders with their actions and reviews (``orders``), the
inbox and notification choices (``notices``), and the profile (``profile``)."""

from __future__ import annotations

import uuid

from stampede.web.store import ApiProblem


def known_id(value: str) -> str:
    """``value`` as an id the API could know; anything else is a 404 page."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ApiProblem(404) from None
