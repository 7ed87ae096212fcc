"""The order saga's steps, their compensations and when a failed attempt is tried again.

Forward: ``take_hold`` (in the request) → ``pay`` (waits for the buyer until the payment is
due) → ``arrange`` (delivery, rental or tickets). Compensations: ``cancel_fulfilment`` undoes
``arrange``, ``void`` stops a payment not yet approved, ``refund`` undoes ``pay``,
``give_back`` undoes ``take_hold``. Every remote step is idempotent on the other side (keyed by
the order), so a step that ran but was not marked done — a crash, a lost reply — is simply run
again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

TAKE_HOLD = "take_hold"
PAY = "pay"
ARRANGE = "arrange"
CANCEL_FULFILMENT = "cancel_fulfilment"
VOID = "void"
REFUND = "refund"
GIVE_BACK = "give_back"
COMPENSATION = {TAKE_HOLD: GIVE_BACK, PAY: REFUND, ARRANGE: CANCEL_FULFILMENT}
BACKOFF_S = 0.5
BACKOFF_MAX_S = 60.0


def next_try(now: datetime, attempts: int) -> datetime:
    """Exponential backoff from :data:`BACKOFF_S`, capped at :data:`BACKOFF_MAX_S`."""
    return now + timedelta(seconds=min(BACKOFF_S * 2 ** max(attempts - 1, 0), BACKOFF_MAX_S))
