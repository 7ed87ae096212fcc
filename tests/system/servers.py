"""Private servers a crash campaign may kill: a Redis and a PostgreSQL of the test's own on free
ports, started again on the same port after each ``kill -9``, so the machine's shared ones are
never hurt."""

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
from typing import Any

import pytest

from tests.conftest import services_required
from tests.system.processes import free_port

REDIS_SERVER = "redis-server"
# the server refuses to run as root
AS_POSTGRES: dict[str, Any] = {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}
DOWN_S = 0.5  # how long a killed server stays away
PG_BIN = Path("/usr/lib/postgresql")
RABBIT_SERVER = Path(
    "/usr/lib/rabbitmq/bin/rabbitmq-server"
)  # Debian keeps initdb and postgres off the PATH


class RedisServer:
    """``redis-server`` that keeps nothing on disk, like the machine's: a restart is empty."""

    def __init__(self, log: Path) -> None:
        binary = shutil.which(REDIS_SERVER)
        if binary is None:
            if services_required():
                pytest.fail(f"{REDIS_SERVER} is not installed (the crash campaign starts its own)")
            pytest.skip(f"{REDIS_SERVER} is not installed")
        self.binary, self.log, self.port = binary, log, free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout_s: float = 10) -> RedisServer:
        """Start it and wait until it answers PING."""
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(args, stdout=out, stderr=out)
        deadline = time.monotonic() + timeout_s
        while not self.answers():
            assert self.proc.poll() is None, self.log.read_text(errors="replace")[-2000:]
            assert time.monotonic() < deadline, f"redis on {self.port} did not answer"
            time.sleep(0.02)
        return self

    def restart(self) -> None:
        """Back after :data:`DOWN_S`, as a supervisor would bring it back: requests meanwhile
        find it away, not only empty."""
        time.sleep(DOWN_S)
        self.start()

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """``kill -9``: everything it held is gone."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


class PostgresServer:
    """A PostgreSQL cluster of the test's own, run as the ``postgres`` user when this is root
    (the server refuses root), in a directory of its own that user can reach.
    :meth:`kill` SIGKILLs the postmaster and every backend at once, as a crashed machine would;
    :meth:`start` again runs crash recovery."""

    def __init__(self, log: Path) -> None:
        found = shutil.which("initdb") or next(iter(sorted(PG_BIN.glob("*/bin/initdb"))), None)
        if found is None:
            if services_required():
                pytest.fail("PostgreSQL's initdb is missing (the crash campaign starts its own)")
            pytest.skip("PostgreSQL's initdb is missing")
        self.bin, self.log, self.port = Path(found).resolve().parent, log, free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="stampede-pg-"))
        self.data = self.directory / "data"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> PostgresServer:
        self.directory.chmod(0o755)
        if AS_POSTGRES:
            shutil.chown(self.directory, "postgres", "postgres")
        initdb = [str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"]
        subprocess.run(
            [*initdb, "--no-sync", "-E", "UTF8"], check=True, capture_output=True, **AS_POSTGRES
        )
        return self

    def start(self, timeout_s: float = 30) -> PostgresServer:
        """Start it and wait until it accepts connections."""
        options = ["-p", str(self.port), "-k", str(self.directory), "-c", "fsync=on"]
        options += ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=60"]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(  # the postmaster is this process's child, reaped at once
                [str(self.bin / "postgres"), "-D", str(self.data), *options],
                stdout=out,
                stderr=out,
                start_new_session=True,  # the postmaster and its backends: one process group
                **AS_POSTGRES,
            )
        deadline = time.monotonic() + timeout_s
        while not self.answers():
            assert self.proc.poll() is None, self.log.read_text(errors="replace")[-2000:]
            assert time.monotonic() < deadline, f"postgres on {self.port} did not answer"
            time.sleep(0.05)
        return self

    def restart(self) -> None:
        time.sleep(DOWN_S)
        self.start()

    def answers(self) -> bool:
        ready = [str(self.bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)]
        return subprocess.run(ready, check=False).returncode == 0

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
            _until_gone(self.proc.pid)

    def stop(self) -> None:
        """Shut it down and remove its files."""
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.proc:
            _until_gone(self.proc.pid)
        shutil.rmtree(self.directory, ignore_errors=True)


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


class RabbitServer:
    """A RabbitMQ node of the test's own (its name, ports and files; no plugins), beside the
    machine's. :meth:`kill` SIGKILLs the Erlang VM; :meth:`start` again boots the node on the
    same files, with what its durable queues held."""

    def __init__(self, log: Path) -> None:
        if not RABBIT_SERVER.exists():
            if services_required():
                pytest.fail(f"{RABBIT_SERVER} is missing (the crash campaign starts its own)")
            pytest.skip(f"{RABBIT_SERVER} is missing")
        self.log, self.port, self.dist_port = log, free_port(), free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="stampede-rabbit-"))
        self.name = f"{self.directory.name}@localhost"
        (self.directory / "env").write_text("")  # not the machine's rabbitmq-env.conf
        (self.directory / "plugins").write_text("[].\n")
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _env(self) -> dict[str, str]:
        where = str(self.directory)
        return {
            **os.environ,
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_CONF_ENV_FILE": f"{where}/env",
            "RABBITMQ_CONFIG_FILE": f"{where}/rabbitmq",  # none: the defaults
            "RABBITMQ_ENABLED_PLUGINS_FILE": f"{where}/plugins",
            "RABBITMQ_MNESIA_BASE": f"{where}/mnesia",
            "RABBITMQ_LOG_BASE": f"{where}/log",
            "RABBITMQ_BASE": where,
        }

    def start(self, timeout_s: float = 60) -> RabbitServer:
        """Boot it and wait until it speaks AMQP (a few seconds)."""
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(RABBIT_SERVER)],
                env=self._env(),
                stdout=out,
                stderr=out,
                start_new_session=True,  # the script, the VM and its helpers: one process group
            )
        deadline = time.monotonic() + timeout_s
        while not self.answers():
            assert self.proc.poll() is None, self.log.read_text(errors="replace")[-2000:]
            assert time.monotonic() < deadline, f"rabbitmq on {self.port} did not answer"
            time.sleep(0.2)
        return self

    def restart(self) -> None:
        time.sleep(DOWN_S)
        self.start()

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"AMQP\x00\x00\x09\x01")
                return len(conn.recv(8)) > 0
        except OSError:
            return False

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
            _until_gone(self.proc.pid)

    def stop(self) -> None:
        """Kill it (a clean stop of a node takes seconds) and remove its files."""
        self.kill()
        shutil.rmtree(self.directory, ignore_errors=True)
