"""Feed importer and demo catalog (stub: filled in by the importer work)."""

from __future__ import annotations

from pathlib import Path

from stampede.kernel.module import Runtime


async def import_feed(runtime: Runtime, path: Path) -> str:
    raise NotImplementedError


async def seed_demo(runtime: Runtime) -> list[str]:
    return []
