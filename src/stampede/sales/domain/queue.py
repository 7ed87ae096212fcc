"""Waiting-room arithmetic without I/O: positions in arrival order and wait estimates."""

from __future__ import annotations

import math


class Positions:
    """Counts of waiting arrivals by sequence number (a Fenwick tree), so a position and an
    arrival or departure each cost O(log n) however long the queue is."""

    def __init__(self) -> None:
        self._tree = [0]

    def _grow(self, seq: int) -> None:
        while len(self._tree) <= seq:
            size = len(self._tree)
            covered = self.before_or_at(size - 1) - self.before_or_at(size - (size & -size))
            self._tree.append(covered)

    def add(self, seq: int, delta: int) -> None:
        self._grow(seq)
        while seq < len(self._tree):
            self._tree[seq] += delta
            seq += seq & -seq

    def before_or_at(self, seq: int) -> int:
        """How many waiting arrivals have a sequence number ≤ ``seq``."""
        seq = min(seq, len(self._tree) - 1)
        total = 0
        while seq > 0:
            total += self._tree[seq]
            seq -= seq & -seq
        return total


def estimated_wait_s(position: int, rate_per_s: float) -> int:
    """Seconds until a ticket at ``position`` is admitted at ``rate_per_s`` (rounded up)."""
    if position <= 0 or rate_per_s <= 0:
        return 0
    return math.ceil(position / rate_per_s)
