"""Payment as the composition root sees it; imported only by ``stampede.compose``."""

from __future__ import annotations

from pathlib import Path

from stampede.kernel.module import Module
from stampede.payment import api, handlers
from stampede.payment.store import PaymentUoW

module = Module(
    name="payment",
    router=api.router,
    unit_of_work=PaymentUoW,
    migrations=Path(__file__).parent / "migrations",
    subscriptions=handlers.SUBSCRIPTIONS,
    setup=handlers.open_approvals,
    background=(handlers.run_reconciler,),
)
