"""Start and stop real ``stampede`` processes for system tests."""

from __future__ import annotations

import contextlib
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


_WARM = (  # python -c _WARM <args>: import, wait for a line on stdin, then be `stampede <args>`
    "import sys, stampede.cli\n"
    "sys.stdin.readline()\n"
    "sys.argv[0] = 'stampede'\n"
    "stampede.cli.main()\n"
)


class Standby(Process):
    """A :class:`Process` started in two steps: :meth:`prepare` spawns an interpreter that
    imports Stampede and waits; :meth:`go` runs ``stampede <args>`` in it. A restart after a
    crash then costs the service's start-up, not the imports (seconds on a busy machine)."""

    def prepare(self) -> Standby:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _WARM, *self.args],
                env={**os.environ, **self.env},
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=out,
            )
        return self

    def go(self) -> Standby:
        if self.proc is None:
            self.prepare()
        assert self.proc is not None and self.proc.stdin is not None
        with contextlib.suppress(BrokenPipeError):  # it died importing: wait_healthy tells
            self.proc.stdin.write(b"go\n")
            self.proc.stdin.close()
        self._close_stdin()
        return self

    def start(self) -> Standby:
        return self.prepare().go()

    def kill(self) -> None:
        super().kill()
        self._close_stdin()

    def stop(self) -> None:
        super().stop()
        self._close_stdin()

    def _close_stdin(self) -> None:
        if self.proc is not None and self.proc.stdin is not None and not self.proc.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self.proc.stdin.close()
