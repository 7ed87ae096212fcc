"""The ``stampede`` command as a user meets it: one-line errors, and a platform that comes up."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from tests.system.processes import Process, free_port, wait_healthy

pytestmark = pytest.mark.system


def one_line_error(result_stderr: str, setting: str) -> None:
    lines = [line for line in result_stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result_stderr
    assert lines[0].startswith("stampede: ") and setting in lines[0], lines[0]
    assert "Traceback" not in result_stderr


def test_a_busy_port_is_one_line_naming_the_setting(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = Process(
            ["up", "--port", str(port), "--data-dir", str(tmp_path)], {}, tmp_path / "log"
        ).run()
    assert result.returncode == 2
    one_line_error(result.stderr, "STAMPEDE_PORT")


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"DATABASE_URL": "mysql://nowhere/db"}, "DATABASE_URL"),
        ({"IDENTITY_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:1/x"}, "DATABASE_URL"),
        ({"BUS_URL": "kafka://nowhere"}, "BUS_URL"),
        ({"BUS_URL": "amqp://guest:guest@127.0.0.1:1/"}, "BUS_URL"),
        ({"STORE_URL": "redis://127.0.0.1:1/0"}, "STORE_URL"),
        ({"STAMPEDE_PORT": "not-a-port"}, "STAMPEDE_PORT"),
    ],
)
def test_bad_or_unreachable_urls_are_one_line_naming_the_setting(
    tmp_path: Path, env: dict[str, str], setting: str
) -> None:
    env = {"STAMPEDE_DATA_DIR": str(tmp_path), "STAMPEDE_PORT": str(free_port()), **env}
    result = Process(["serve", "identity"], env, tmp_path / "log").run()
    assert result.returncode == 2
    one_line_error(result.stderr, setting)


def test_up_serves_the_api_with_demo_logins(tmp_path: Path) -> None:
    port = free_port()
    proc = Process(
        ["up", "--port", str(port), "--data-dir", str(tmp_path / "var")], {}, tmp_path / "log"
    ).start()
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc)
        assert f"Stampede is up at http://127.0.0.1:{port}" in proc.output()
        assert "admin@" in proc.output()
        reply = httpx.post(
            f"http://127.0.0.1:{port}/api/identity/signup",
            json={"email": "new@example.com", "password": "long enough pw", "name": "New"},
        )
        assert reply.status_code == 201
        assert (tmp_path / "var" / "identity.db").exists()
    finally:
        proc.stop()


def test_operator_commands_create_admins_rotate_keys_and_redrive(tmp_path: Path) -> None:
    env = {"STAMPEDE_DATA_DIR": str(tmp_path)}

    def stampede(*args: str) -> str:
        result = Process(list(args), env, tmp_path / "log").run()
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "migrated identity" in stampede("migrate")
    create = ("admin", "create", "boss@example.com", "--password", "boss password 1")
    assert "admin account created" in stampede(*create)
    assert "admin role added" in stampede(*create)
    assert "signs from" in stampede("keys", "rotate")
    assert "identity: pending=" in stampede("outbox", "status")
    assert "row(s) back to pending" in stampede("outbox", "redrive")
    bad = Process(["admin", "create", "nobody", "--password", "x"], env, tmp_path / "log").run()
    assert bad.returncode == 2
    one_line_error(bad.stderr, "e-mail")
