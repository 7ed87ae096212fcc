"""Which sale-window edges a listing has crossed at a given moment.

A windowed listing (deal or performance) crosses two edges: *open* at ``opens_at`` and *close*
at ``closes_at``. A scheduled listing whose whole window already passed crosses both, in that
order, so consumers always see SaleOpened before SaleClosed. Deals also have two alert edges
for the users who liked them, 24 hours and 1 hour before opening: an alert is due while
``opens_at - lead <= now < opens_at``. One missed while the service was down is still due until
the sale opens; after that it is skipped for good.

Every function here is pure; the scheduler (``handlers.windows``) feeds it the locked row and the
alerts already recorded for the current window, which is what makes each edge happen once.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from stampede.catalog.domain.listings import WINDOWED, Kind, Status, window_status

Lead = Literal["24h", "1h"]
LEADS: dict[Lead, timedelta] = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}
ALERT_HORIZON = max(LEADS.values())
ALERTED_KINDS = {Kind.DEAL}


class Edge(StrEnum):
    OPEN = "open"
    CLOSE = "close"


@dataclass(frozen=True)
class Due:
    """What to do for one listing now: window edges in order, then alerts to send."""

    edges: tuple[Edge, ...] = ()
    alerts: tuple[Lead, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.edges or self.alerts)

    @property
    def changes(self) -> int:
        return len(self.edges) + len(self.alerts)


def alert_due(lead: Lead, opens_at: datetime, now: datetime) -> bool:
    """True from ``lead`` before the opening until the opening itself (exclusive)."""
    return opens_at - LEADS[lead] <= now < opens_at


def due_edges(
    status: str, opens_at: datetime, closes_at: datetime, now: datetime
) -> tuple[Edge, ...]:
    """The window edges a scheduled or open listing has crossed and not yet recorded."""
    target = window_status(opens_at, closes_at, now)
    if status == Status.SCHEDULED:
        return {Status.OPEN: (Edge.OPEN,), Status.CLOSED: (Edge.OPEN, Edge.CLOSE)}.get(target, ())
    if status == Status.OPEN and target == Status.CLOSED:
        return (Edge.CLOSE,)
    return ()


def due_alerts(
    kind: str, status: str, opens_at: datetime, now: datetime, sent: Collection[str] = ()
) -> tuple[Lead, ...]:
    """Alert leads due for a scheduled deal, longest lead first, minus those already sent."""
    if kind not in ALERTED_KINDS or status != Status.SCHEDULED:
        return ()
    return tuple(lead for lead in LEADS if lead not in sent and alert_due(lead, opens_at, now))


def due(
    kind: str,
    status: str,
    opens_at: datetime | None,
    closes_at: datetime | None,
    now: datetime,
    sent: Collection[str] = (),
) -> Due:
    """Everything due for one listing at ``now``; ``sent`` holds the leads already alerted for
    this ``opens_at``. Listings without a window, drafts and deleted ones have nothing due."""
    if kind not in WINDOWED or opens_at is None or closes_at is None:
        return Due()
    return Due(
        edges=due_edges(status, opens_at, closes_at, now),
        alerts=due_alerts(kind, status, opens_at, now, sent),
    )


def status_after(status: str, edges: Collection[Edge]) -> str:
    """The status once ``edges`` are crossed."""
    if Edge.CLOSE in edges:
        return Status.CLOSED
    if Edge.OPEN in edges:
        return Status.OPEN
    return status
