"""Graceful shutdown of a serving process, and the drain state the rest of the kernel reads.

On SIGTERM (or Ctrl-C) :class:`DrainingServer` starts draining:

1. ``/readyz`` answers 503 ``draining`` at once, so a load balancer stops sending; the process
   still serves for ``SHUTDOWN_DELAY_S`` (default 0), the time a balancer needs to notice;
2. uvicorn stops accepting connections and waits up to ``SHUTDOWN_GRACE_S`` (default 30) for
   the requests in flight to be answered (idle keep-alive connections are closed);
3. the app's lifespan stops the platform: every outbox relay finishes the batch it is
   publishing (it is marked sent), the bus stops taking messages and gives the handlers it
   started — and, in process, the messages already handed to it — what is left of the grace to
   finish and acknowledge. A message not acknowledged by then goes back to the broker, and what
   handlers write to an outbox meanwhile is published by the next start: nothing is lost;
4. the process exits 0. A second signal skips the waiting; a shutdown still running
   :data:`HARD_MARGIN_S` after the budget ends the process with status 1.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from types import FrameType

import structlog
import uvicorn

log = structlog.get_logger()
HARD_MARGIN_S = 15.0  # past the budget: relay flush, bus close and database disposal
_deadline: float | None = None


def begin(budget_s: float) -> None:
    """Start draining (once): :func:`draining` is true from now on, and :func:`remaining_s`
    counts down ``budget_s`` seconds."""
    global _deadline
    if _deadline is None:
        _deadline = time.monotonic() + budget_s


def draining() -> bool:
    return _deadline is not None


def remaining_s(floor: float = 0.0) -> float:
    """Seconds left of the drain budget, at least ``floor`` (``floor`` when not draining)."""
    if _deadline is None:
        return floor
    return max(floor, _deadline - time.monotonic())


def reset() -> None:
    """Forget a drain (for a process that serves again, such as a test)."""
    global _deadline
    _deadline = None


class DrainingServer(uvicorn.Server):
    """uvicorn's server with the steps of the module doc. Unlike plain uvicorn it does not
    raise the signal again once stopped, so a drained process exits 0."""

    def __init__(self, config: uvicorn.Config, delay_s: float = 0.0) -> None:
        super().__init__(config)
        self.delay_s = delay_s
        self.grace_s = float(config.timeout_graceful_shutdown or 0.0)
        self.watchdog: threading.Timer | None = None
        self._stop_at: float | None = None
        self._told = ""  # the step last logged

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().serve(sockets)
        finally:
            if self.watchdog is not None:  # stopped in time
                self.watchdog.cancel()
                log.info("shutdown.done", grace_left_s=round(remaining_s(), 1))

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """Only flags: this runs in a signal handler, which may interrupt any line (a log
        write, a thread start), so logging and the watchdog wait for the next tick."""
        if self._stop_at is not None:  # asked again: stop now
            self.should_exit = self.force_exit = True
            return
        begin(self.delay_s + self.grace_s)
        self._stop_at = time.monotonic() + self.delay_s

    async def on_tick(self, counter: int) -> bool:
        if self._stop_at is not None:
            closing = time.monotonic() >= self._stop_at
            self.should_exit = self.should_exit or closing
            self._tell("closing" if closing else "draining")
        return await super().on_tick(counter)

    def _tell(self, step: str) -> None:
        if step == self._told:
            return
        if self.watchdog is None:
            self.watchdog = _watchdog(self.delay_s + self.grace_s + HARD_MARGIN_S)
        self._told = step
        log.info(f"shutdown.{step}", delay_s=self.delay_s, grace_s=self.grace_s)


def _watchdog(after_s: float) -> threading.Timer:
    """End the process with status 1 unless the timer is cancelled within ``after_s``."""

    def overdue() -> None:
        sys.stderr.write(f"shutdown took longer than {after_s:.0f} s; exiting\n")
        sys.stderr.flush()
        os._exit(1)

    timer = threading.Timer(after_s, overdue)
    timer.daemon = True
    timer.start()
    return timer
