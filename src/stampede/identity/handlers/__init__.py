"""Identity's use cases: async functions over an :class:`IdentityUoW` (or a runtime).

Each opens its unit of work, changes state, emits its events and commits once; an error before
the commit leaves nothing behind. Password hashing and key generation run in a thread so the
event loop keeps serving. ``SUBSCRIPTIONS`` at the bottom says what identity reacts to.

Split by topic (``accounts``, ``sessions``, ``companies``, ``keys``, ``operations``) to keep
each file short; import them from here.
"""

from __future__ import annotations

from stampede.identity.handlers.accounts import (
    resend_verification,
    sign_up,
    update_profile,
    verify_email,
)
from stampede.identity.handlers.companies import apply_company, approve_company, reject_company
from stampede.identity.handlers.keys import rotate_keys, signing_key
from stampede.identity.handlers.operations import create_admin, seed_demo
from stampede.identity.handlers.sessions import log_in, log_out, refresh
from stampede.kernel.module import Subscription

__all__ = [
    "SUBSCRIPTIONS",
    "apply_company",
    "approve_company",
    "create_admin",
    "log_in",
    "log_out",
    "refresh",
    "reject_company",
    "resend_verification",
    "rotate_keys",
    "seed_demo",
    "sign_up",
    "signing_key",
    "update_profile",
    "verify_email",
]

SUBSCRIPTIONS: tuple[Subscription, ...] = ()  # identity listens to no one
