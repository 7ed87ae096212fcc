"""Fulfilment's use cases: ordering's commands (``orders``) and the staff's moves (``moves``).

Fulfilment consumes no events: ordering tells it what to arrange by a signed call, and
everything it does is announced through its outbox.
"""

from __future__ import annotations

from stampede.fulfilment.handlers.moves import check_in, move_delivery, move_rental
from stampede.fulfilment.handlers.orders import arrange, call_off
from stampede.kernel.module import Subscription

SUBSCRIPTIONS: tuple[Subscription, ...] = ()

__all__ = [
    "SUBSCRIPTIONS",
    "arrange",
    "call_off",
    "check_in",
    "move_delivery",
    "move_rental",
]
