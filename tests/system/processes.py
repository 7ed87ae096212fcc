"""Start and stop real ``stampede`` processes for system tests."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
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

    def exited(self) -> bool:
        return self.proc is not None and self.proc.poll() is not None


def wait_healthy(url: str, proc: Process, timeout_s: float = 30) -> float:
    """Poll ``url``/readyz until 200; returns seconds waited. Fails with the process log."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if proc.exited():
            raise AssertionError(f"process exited:\n{proc.output()[-3000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"not healthy after {timeout_s}s:\n{proc.output()[-3000:]}")


_FORK_SERVER = """
import json, os, signal, sys
import stampede.cli
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the forks
for line in sys.stdin:
    asked = json.loads(line)
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        sys.stdin.close()
        if asked["log"]:  # the fork's own log; else the server's
            log = os.open(asked["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            os.dup2(log, 2)
        os.dup2(2, 1)
        sys.argv = ["stampede", *asked["args"]]
        stampede.cli.main()  # exits
    print(pid, flush=True)
"""


@contextlib.contextmanager
def started(
    args: list[str], env: dict[str, str], log: Path, timeout_s: float = 60
) -> Iterator[tuple[str, Process]]:
    """``stampede <args> --port <free port>``, healthy: its URL and process; stopped when the
    block ends (also when it never became healthy)."""
    port = free_port()
    process = Process([*args, "--port", str(port)], env, log)
    process.start()
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process, timeout_s=timeout_s)
        yield url, process
    finally:
        process.stop()


@contextlib.contextmanager
def serving(
    ports: dict[str, int], env: dict[str, str], logs: Path, timeout_s: float = 60
) -> Iterator[dict[str, Process]]:
    """``stampede serve <context>`` for each context on its port, all healthy; stopped (last
    started first) when the block ends."""
    processes = {
        name: Process(["serve", name, "--port", str(port)], env, logs / f"{name}.log")
        for name, port in ports.items()
    }
    try:
        for process in processes.values():
            process.start()
        for name, process in processes.items():
            wait_healthy(f"http://127.0.0.1:{ports[name]}", process, timeout_s=timeout_s)
        yield processes
    finally:
        for process in reversed(processes.values()):
            process.stop()


class ForkServer:
    """An interpreter that imports Stampede once and then runs ``stampede <args>`` as a fork of
    itself on each :meth:`fork`: a restart costs the service's start-up, not the imports
    (seconds of CPU, more on a busy machine). No thread runs before the fork."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.proc: subprocess.Popen[bytes] | None = None

    def open(self) -> ForkServer:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _FORK_SERVER],
                env={**os.environ, **self.env},
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=out,
            )
        return self

    def fork(self, args: list[str] | None = None, log: Path | None = None) -> Forked:
        """A new ``stampede <args>`` process (the server's own arguments and log unless
        given); waits until the imports are done."""
        assert self.proc is not None and self.proc.stdin and self.proc.stdout
        asked = {"args": self.args if args is None else args, "log": str(log or "")}
        self.proc.stdin.write(json.dumps(asked).encode() + b"\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line.strip().isdigit():
            raise AssertionError(f"the fork server failed:\n{self.output()[-3000:]}")
        return Forked(int(line), log or self.log)

    def run(self, args: list[str], log: Path, timeout_s: float = 60) -> str:
        """``stampede <args>`` in a fork, to its end; what it wrote."""
        forked, deadline = self.fork(args, log), time.monotonic() + timeout_s
        while not forked.exited():
            assert time.monotonic() < deadline, f"stampede {args[:2]} did not end"
            time.sleep(0.05)
        return forked.output()

    def close(self) -> None:
        """End the server (not its forks): no more forks after this."""
        if self.proc is None:
            return
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                with contextlib.suppress(BrokenPipeError):
                    pipe.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class Forked(Process):
    """One process started by a :class:`ForkServer`, known by its pid (not our child)."""

    def __init__(self, pid: int, log: Path) -> None:
        super().__init__([], {}, log)
        self.pid = pid

    def start(self) -> Forked:
        raise NotImplementedError("start it with ForkServer.fork()")

    def exited(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        return False

    def kill(self) -> None:
        self._end(signal.SIGKILL, 10)

    def stop(self) -> None:
        if not self._end(signal.SIGTERM, 15):
            self.kill()

    def _end(self, how: signal.Signals, timeout_s: float) -> bool:
        """Send ``how``; whether the process is gone within ``timeout_s``."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, how)
        deadline = time.monotonic() + timeout_s
        while not self.exited():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True
