"""How fast ``stampede up`` becomes healthy, and how much memory it holds (bar: 10 s, 500 MB).

Run: ``.venv/bin/python bench/startup.py``. Measures a first start (empty data dir: migrations
and demo data) and a second start on the same data, each after a sign-up, log-in and profile
read, and prints time-to-ready and resident memory next to the bars.
"""

# ruff: noqa: T201 (a benchmark prints its report)
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parents[1]))
from tests.system.processes import Process, free_port, wait_healthy


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def exercise(url: str, n: int) -> None:
    email = f"bench{n}@example.com"
    body = {"email": email, "password": "benchmark pw", "name": "Bench"}
    httpx.post(f"{url}/api/identity/signup", json=body).raise_for_status()
    login = httpx.post(
        f"{url}/api/identity/login", json={"email": email, "password": body["password"]}
    )
    token = login.raise_for_status().json()["access_token"]
    httpx.get(
        f"{url}/api/identity/me", headers={"authorization": f"Bearer {token}"}
    ).raise_for_status()


def one_start(data: Path, n: int, label: str) -> None:
    port = free_port()
    proc = Process(
        ["up", "--port", str(port), "--data-dir", str(data)], {}, data.parent / f"{label}.log"
    )
    started = time.monotonic()
    proc.start()
    try:
        ready = wait_healthy(f"http://127.0.0.1:{port}", proc, timeout_s=60)
        elapsed = time.monotonic() - started
        exercise(f"http://127.0.0.1:{port}", n)
        assert proc.proc is not None
        memory = rss_mb(proc.proc.pid)
    finally:
        proc.stop()
    print(
        f"{label:12s} ready in {elapsed:5.2f} s (bar 10 s, {elapsed / 10:.2f} of it; "
        f"polling {ready:.2f} s)  RSS {memory:6.1f} MB (bar 500 MB, {memory / 500:.2f} of it)"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "var"
        one_start(data, 1, "first start")
        one_start(data, 2, "second start")


if __name__ == "__main__":
    main()
