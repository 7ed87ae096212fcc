"""Sale windows scheduler (stub: filled in by the sale-window work)."""

from __future__ import annotations

from stampede.kernel.module import Runtime


async def run_sale_windows(runtime: Runtime) -> None:
    """Background job: move listings across their window edges (not written yet)."""
    return None
