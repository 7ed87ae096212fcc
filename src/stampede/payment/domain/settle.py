"""How the provider's answer about a transaction settles what payment left open.

An approval whose answer never came is settled by the transaction's standing at the provider;
pending refunds are settled by which of them the provider's cancelled total accounts for.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

APPROVED_AT_PROVIDER = frozenset({"SUCCESS_PAYMENT", "PART_CANCEL_PAYMENT", "CANCEL_PAYMENT"})
MAX_PENDING_MATCHED = 16  # pending refunds of one payment that can be told apart


@dataclass(frozen=True)
class Standing:
    """A transaction as the provider sees it."""

    status: str
    total: int
    canceled: int
    approved: bool

    @property
    def kept(self) -> int:
        """What the provider still holds of the buyer's money."""
        return (self.total if self.approved else 0) - self.canceled


@dataclass(frozen=True)
class Verdict:
    """``approved``; ``failed`` with a reason; ``retry`` (approve again); ``call_off`` (cancel
    the transaction at the provider, then fail with ``reason``)."""

    outcome: str
    reason: str = ""


def approval_verdict(standing: Standing, attempts: int, max_attempts: int) -> Verdict:
    """What an approval stuck in ``approving`` becomes, given the provider's standing."""
    if standing.approved:
        return Verdict("approved")
    if standing.status == "FAIL_PAYMENT":
        return Verdict("failed", "declined")
    if standing.status == "QUIT_PAYMENT":
        return Verdict("failed", "cancelled")
    if standing.status == "READY":
        return Verdict("retry") if attempts < max_attempts else Verdict("call_off", "timeout")
    return Verdict("failed", "timeout")


def explain(gap: int, pending: list[tuple[str, int]]) -> set[str] | None:
    """Which pending refunds (id, amount), oldest first, the provider's unexplained cancelled
    amount ``gap`` is made of: the fewest, oldest ones summing to it; None when none do (or
    too many are pending to tell)."""
    if gap == 0:
        return set()
    if gap < 0 or len(pending) > MAX_PENDING_MATCHED:
        return None
    for size in range(1, len(pending) + 1):
        for chosen in combinations(pending, size):
            if sum(amount for _, amount in chosen) == gap:
                return {refund_id for refund_id, _ in chosen}
    return None
