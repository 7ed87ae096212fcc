"""Start and stop real ``stampede`` processes for system tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Process:
    """One ``python -m stampede ...`` child with its own log file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "stampede", *self.args],
                env={**os.environ, **self.env},
                stdout=out,
                stderr=out,
            )
        return self

    def run(self, timeout_s: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "stampede", *self.args],
            capture_output=True,
            text=True,
            env={**os.environ, **self.env},
            timeout=timeout_s,
        )

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def wait_healthy(url: str, proc: Process, timeout_s: float = 30) -> float:
    """Poll ``url``/readyz until 200; returns seconds waited. Fails with the process log."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if proc.proc is not None and proc.proc.poll() is not None:
            raise AssertionError(f"process exited:\n{proc.output()[-3000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"not healthy after {timeout_s}s:\n{proc.output()[-3000:]}")
