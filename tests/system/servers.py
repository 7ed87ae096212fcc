"""Private servers a crash campaign may kill: a Redis, a PostgreSQL and a RabbitMQ node of the
test's own on free ports, started again on the same port after each ``kill -9``, so the
machine's shared ones are never hurt. Each runs in a process group of its own, so a kill takes
the server and every helper process it started at once, as a crashed machine would."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Self

import pytest

from tests.conftest import services_required
from tests.system.processes import free_port

DOWN_S = 0.5  # how long a killed server stays away before it is started again
PG_BIN = Path("/usr/lib/postgresql")  # Debian keeps initdb and postgres off the PATH
RABBIT_SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
# PostgreSQL refuses to run as root
AS_POSTGRES: dict[str, Any] = {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}


def need(found: object, what: str) -> None:
    """Skip without ``what`` (fail under CI, like the real-service tests)."""
    if found:
        return
    if services_required():
        pytest.fail(f"{what} is missing (the crash campaign starts its own)")
    pytest.skip(f"{what} is missing")


class KillableServer:
    """A server on :attr:`port` with its files in :attr:`directory` (removed by :meth:`stop`)."""

    poll_s = 0.05

    def __init__(self, log: Path, prefix: str) -> None:
        self.log, self.port = log, free_port()
        self.directory = Path(tempfile.mkdtemp(prefix=f"stampede-{prefix}-"))
        self.proc: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def options(self) -> dict[str, Any]:
        """More keyword arguments for ``Popen`` (environment, user)."""
        return {}

    def answers(self) -> bool:
        raise NotImplementedError

    def start(self, timeout_s: float = 60) -> Self:
        """Start it and wait until it answers."""
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(  # this process's child: reaped as soon as it dies
                self.command(), stdout=out, stderr=out, start_new_session=True, **self.options()
            )
        deadline = time.monotonic() + timeout_s
        while not self.answers():
            assert self.proc.poll() is None, self.log.read_text(errors="replace")[-2000:]
            assert time.monotonic() < deadline, f"{self.command()[0]} did not answer"
            time.sleep(self.poll_s)
        return self

    def restart(self) -> None:
        """Back after :data:`DOWN_S`, as a supervisor would bring it back: requests meanwhile
        find it away, not only emptied or recovering."""
        time.sleep(DOWN_S)
        self.start()

    def kill(self) -> None:
        """``kill -9`` of the server and its helpers."""
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
            _until_gone(self.proc.pid)

    def stop(self) -> None:
        """Kill it (nothing of it is kept) and remove its files."""
        self.kill()
        shutil.rmtree(self.directory, ignore_errors=True)


class RedisServer(KillableServer):
    """``redis-server`` that keeps nothing on disk, like the machine's: a restart is empty."""

    poll_s = 0.02

    def __init__(self, log: Path) -> None:
        self.binary = shutil.which("redis-server") or ""
        need(self.binary, "redis-server")
        super().__init__(log, "redis")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        return [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""] + [
            "--appendonly", "no", "--daemonize", "no", "--dir", str(self.directory)
        ]  # fmt: skip

    def answers(self) -> bool:
        return _speaks(self.port, b"PING\r\n", b"+PONG")


class PostgresServer(KillableServer):
    """A PostgreSQL cluster of the test's own, run as the ``postgres`` user when this is root,
    in a directory that user can reach (pytest's are root's alone). Started again after a kill,
    it runs crash recovery. :meth:`init` creates the cluster first."""

    def __init__(self, log: Path) -> None:
        found = shutil.which("initdb") or next(iter(sorted(PG_BIN.glob("*/bin/initdb"))), None)
        need(found, "PostgreSQL's initdb")
        self.bin = Path(str(found)).resolve().parent
        super().__init__(log, "pg")
        self.data = self.directory / "data"

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> Self:
        self.directory.chmod(0o755)
        if AS_POSTGRES:
            shutil.chown(self.directory, "postgres", "postgres")
        initdb = [str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"]
        subprocess.run(
            [*initdb, "--no-sync", "-E", "UTF8"], check=True, capture_output=True, **AS_POSTGRES
        )
        return self

    def command(self) -> list[str]:
        return [str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port)] + [
            "-k", str(self.directory), "-c", "fsync=on", "-c", "listen_addresses=127.0.0.1"
        ]  # fmt: skip

    def options(self) -> dict[str, Any]:
        return AS_POSTGRES

    def answers(self) -> bool:
        ready = [str(self.bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)]
        return subprocess.run(ready, check=False).returncode == 0


class RabbitServer(KillableServer):
    """A RabbitMQ node of the test's own (its name, ports and files; no plugins), beside the
    machine's; started again after a kill, it boots on the same files (a few seconds), with
    what its durable queues held."""

    poll_s = 0.2

    def __init__(self, log: Path) -> None:
        need(RABBIT_SERVER.exists(), str(RABBIT_SERVER))
        super().__init__(log, "rabbit")
        self.dist_port = free_port()
        (self.directory / "env").write_text("")  # not the machine's rabbitmq-env.conf
        (self.directory / "plugins").write_text("[].\n")

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def command(self) -> list[str]:
        return [str(RABBIT_SERVER)]

    def options(self) -> dict[str, Any]:
        where = str(self.directory)
        settings = {
            "NODENAME": f"{self.directory.name}@localhost",
            "NODE_IP_ADDRESS": "127.0.0.1",
            "NODE_PORT": str(self.port),
            "DIST_PORT": str(self.dist_port),
            "CONF_ENV_FILE": f"{where}/env",
            "CONFIG_FILE": f"{where}/rabbitmq",  # none: the defaults
            "ENABLED_PLUGINS_FILE": f"{where}/plugins",
            "MNESIA_BASE": f"{where}/mnesia",
            "LOG_BASE": f"{where}/log",
            "BASE": where,
        }
        return {"env": {**os.environ, **{f"RABBITMQ_{k}": v for k, v in settings.items()}}}

    def answers(self) -> bool:
        return _speaks(self.port, b"AMQP\x00\x00\x09\x01", b"\x01")  # connection.start frame


def _speaks(port: int, hello: bytes, answer: bytes) -> bool:
    """Whether the server on ``port`` answers ``hello`` with something starting ``answer``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(hello)
            return conn.recv(16).startswith(answer)
    except OSError:
        return False


def _until_gone(group: int, timeout_s: float = 10) -> None:
    """Until no process of the group is alive (a PostgreSQL backend outliving its postmaster
    would keep the shared memory and stop the next start); zombies waiting for init do not
    count."""
    deadline = time.monotonic() + timeout_s
    while _alive_in_group(group):
        assert time.monotonic() < deadline, f"processes of group {group} outlived the kill"
        time.sleep(0.02)


def _alive_in_group(group: int) -> bool:
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _parent, member_of = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, IndexError, ValueError):
            continue
        if int(member_of) == group and state != "Z":
            return True
    return False
