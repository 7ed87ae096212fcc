"""How the fake provider misbehaves, and the dice that decide each call.

Rates are probabilities per call (0 never, 1 always). ``timeout_rate``, ``lost_reply_rate`` and
``decline_rate`` apply only to the operations named in ``faults_on`` (decline only ever to
``approve``); order lookups never fail, so a client can always find out what happened. With a
``seed`` the same sequence of calls gets the same outcomes.
"""

from __future__ import annotations

import random
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Operation = Literal["ready", "approve", "cancel"]
OPERATIONS: tuple[Operation, ...] = ("ready", "approve", "cancel")


class Knobs(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    latency_ms: int = Field(0, ge=0, le=60_000)
    decline_rate: float = Field(0.0, ge=0, le=1)
    timeout_rate: float = Field(0.0, ge=0, le=1)
    lost_reply_rate: float = Field(0.0, ge=0, le=1)
    duplicate_callback_rate: float = Field(0.0, ge=0, le=1)
    faults_on: list[Operation] = Field(default_factory=lambda: list(OPERATIONS))
    seed: int | None = None


class KnobsChange(BaseModel):
    """A partial update of the knobs (``PUT /admin/knobs``); what is left out stays."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: int | None = Field(None, ge=0, le=60_000)
    decline_rate: float | None = Field(None, ge=0, le=1)
    timeout_rate: float | None = Field(None, ge=0, le=1)
    lost_reply_rate: float | None = Field(None, ge=0, le=1)
    duplicate_callback_rate: float | None = Field(None, ge=0, le=1)
    faults_on: list[Operation] | None = None
    seed: int | None = None


class Dice:
    """The knobs in force and a random source seeded from them."""

    def __init__(self, knobs: Knobs) -> None:
        self.knobs = knobs
        self._random = random.Random(knobs.seed)

    def change(self, change: KnobsChange) -> Knobs:
        """Apply ``change``; a new seed restarts the random sequence."""
        given = change.model_dump(exclude_unset=True)
        self.knobs = Knobs.model_validate({**self.knobs.model_dump(), **given})
        if "seed" in given:
            self._random = random.Random(self.knobs.seed)
        return self.knobs

    def roll(self, rate: float) -> bool:
        """True with probability ``rate``; 0 and 1 decide without drawing."""
        if rate <= 0:
            return False
        if rate >= 1:
            return True
        return self._random.random() < rate

    def fault(self, operation: Operation) -> str | None:
        """``"timeout"``, ``"lost_reply"`` or None for one call of ``operation``."""
        if operation not in self.knobs.faults_on:
            return None
        if self.roll(self.knobs.timeout_rate):
            return "timeout"
        if self.roll(self.knobs.lost_reply_rate):
            return "lost_reply"
        return None

    def declines(self) -> bool:
        return "approve" in self.knobs.faults_on and self.roll(self.knobs.decline_rate)

    def duplicates_callback(self) -> bool:
        return self.roll(self.knobs.duplicate_callback_rate)
