"""Child processes of the bench: pinned with ``taskset`` for the rounds, all stopped at the end.

Every process is started in its own session (so a Ctrl-C in the terminal reaches only the
bench, which then stops its children in order) and registered; :func:`stop_all` ends exactly
the processes this bench started, by their process-group id, also on errors and SIGTERM.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from stampede.kernel.express_http import PROTOCOL

ROOT = Path(__file__).parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
SERVER_CPU, LOAD_CPU = "0", "1"
_started: list[Child] = []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pinned(cpu: str, argv: list[str]) -> list[str]:
    """``argv`` run on ``cpu`` only (no pinning when taskset is missing)."""
    return ["taskset", "-c", cpu, *argv] if shutil.which("taskset") else argv


class Child:
    """One started process with its log file, and the core it belongs on while measuring."""

    def __init__(
        self, name: str, argv: list[str], env: dict[str, str], log: Path, cpu: str
    ) -> None:
        self.name, self.argv, self.env, self.log, self.cpu = name, argv, env, log, cpu
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Child:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.argv,
                env={**os.environ, **self.env},
                stdout=out,
                stderr=out,
                cwd=ROOT,
                start_new_session=True,
            )
        _started.append(self)
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, grace_s: float = 10.0) -> None:
        """SIGTERM to the child's process group, SIGKILL after ``grace_s``."""
        if not self.alive():
            return
        assert self.proc is not None
        _signal_group(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            _signal_group(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)  # the child leads its own session: its group id is its pid


def pin_all() -> list[str]:
    """Move every started process (all its threads) to its core; one line per process.

    The platform starts unpinned, so the correctness runs may use both cores; the wrk rounds
    run in the pinned layout."""
    if not shutil.which("taskset"):
        return ["taskset is missing: nothing pinned"]
    lines = []
    for child in _started:
        if child.alive():
            argv = ["taskset", "-a", "-p", "-c", child.cpu, str(child.pid)]
            subprocess.run(argv, check=True, capture_output=True)
            lines.append(f"{child.name} (pid {child.pid}) → CPU {child.cpu}")
    return lines


SERVICES = ("redis-server",)  # the machine's services the hot path calls on every request
_moved: list[tuple[int, str]] = []  # (pid, the CPU list it had) of services moved for the rounds


def pin_services(cpu: str) -> list[str]:
    """Move the machine's Redis (every thread) to ``cpu`` for the rounds, as if it ran on a
    machine of its own and not on the server's core; :func:`restore_services` puts it back."""
    if not shutil.which("taskset") or not shutil.which("pgrep"):
        return []
    lines = []
    for name in SERVICES:
        found = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True)
        for pid in (int(p) for p in found.stdout.split()):
            had = ",".join(str(c) for c in sorted(os.sched_getaffinity(pid)))
            subprocess.run(
                ["taskset", "-a", "-p", "-c", cpu, str(pid)], check=True, capture_output=True
            )
            _moved.append((pid, had))
            lines.append(f"{name} (pid {pid}) → CPU {cpu}")
    return lines


def restore_services() -> None:
    while _moved:
        pid, had = _moved.pop()
        with contextlib.suppress(subprocess.CalledProcessError):
            subprocess.run(
                ["taskset", "-a", "-p", "-c", had, str(pid)], check=True, capture_output=True
            )


def own_pids() -> set[int]:
    """The processes this bench started and still runs."""
    return {child.pid for child in _started if child.alive()}


def stop_all() -> None:
    """Stop every process this bench started, newest first; give moved services their CPUs."""
    while _started:
        _started.pop().stop()
    restore_services()


def exit_on_signals() -> None:
    """Ctrl-C raises KeyboardInterrupt and SIGTERM SystemExit wherever the bench is, so the
    ``finally`` blocks stop the children. (A handler of our own also keeps ``asyncio.run``
    from turning the first Ctrl-C into a cancellation that library code might swallow.)"""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def wait_ready(url: str, child: Child, timeout_s: float = 60.0, path: str = "/readyz") -> float:
    """Poll ``url + path`` until 200; seconds waited. Fails with the child's log."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if not child.alive():
            raise RuntimeError(f"{child.name} exited:\n{child.tail()}")
        try:
            if httpx.get(url + path, timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{child.name} not ready after {timeout_s:.0f} s:\n{child.tail()}")


def uvicorn_baseline(app: str, port: int, log: Path, env: dict[str, str]) -> Child:
    """A baseline app (``hello`` or ``naive``) under uvicorn with Stampede's serve flags."""
    argv = [
        PYTHON,
        "-m",
        "uvicorn",
        f"harness.baselines:{app}",
        "--app-dir",
        "bench",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--lifespan",
        "on",
        "--http",
        PROTOCOL,
    ]
    return Child(app, argv, env, log, SERVER_CPU).start()


def stampede(name: str, args: list[str], env: dict[str, str], log: Path, cpu: str) -> Child:
    """``python -m stampede ARGS``, to be pinned to ``cpu`` by :func:`pin_all`."""
    return Child(name, [PYTHON, "-m", "stampede", *args], env, log, cpu).start()
