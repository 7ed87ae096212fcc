"""How busy the machine is with work that is not the bench's (a shared 2-core machine).

Sampled for a second while the bench and its servers are idle: each core's busy share and the
busiest other processes, so a reader can tell a slow figure from a crowded machine.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from harness.load import busy, cpu_times


@dataclass(frozen=True)
class Noise:
    cores: list[float]
    others: list[tuple[str, float]]  # (command, cores used), busiest first

    def line(self) -> str:
        cores = ", ".join(f"cpu{n} {share * 100:.0f} %" for n, share in enumerate(self.cores))
        others = ", ".join(f"{name} {used * 100:.0f} %" for name, used in self.others[:3])
        return f"machine while the bench idles: {cores}" + (
            f"; busiest other processes: {others}" if others else ""
        )


def _ticks() -> dict[int, tuple[str, int]]:
    found: dict[int, tuple[str, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        head, _, rest = raw.rpartition(")")
        fields = rest.split()
        name = cmd.strip()[:60] or head.partition("(")[2]
        found[int(entry.name)] = (name, int(fields[11]) + int(fields[12]))
    return found


def sample(own: set[int], seconds: float = 1.0) -> Noise:
    """Busy share of each core and the processes not in ``own`` that used CPU meanwhile."""
    before_cores, before = cpu_times(), _ticks()
    started = time.monotonic()
    time.sleep(seconds)
    after_cores, after = cpu_times(), _ticks()
    wall, hz = time.monotonic() - started, os.sysconf("SC_CLK_TCK")
    others = []
    for pid, (name, ticks) in after.items():
        if pid in own or pid == os.getpid() or pid not in before:
            continue
        used = (ticks - before[pid][1]) / hz / wall
        if used >= 0.05:
            others.append((name, used))
    others.sort(key=lambda item: -item[1])
    return Noise(busy(before_cores, after_cores), others)
