"""The community boards under 500 users: start the platform, make members, run locust, judge.

Run: ``.venv/bin/python loadtest/run.py [--users 500] [--spawn-rate 100] [--duration 60]``.

1. ``stampede up --no-demo`` in a temporary data dir (SQLite, memory bus and store) on a free
   port, with the gateway's per-IP and per-user rate limits out of the way (every locust user
   comes from 127.0.0.1): ``bench/harness/cluster.py``'s ``bench_env()``, started and stopped
   with ``bench/harness/procs.py``. The community's own per-member write limits stay as they
   are; the scenario is paced below them.
2. Members in bulk (``bench/harness/buyers.py``: one shared password hash, tokens signed
   in-process with identity's key, after one real sign-up and log-in so that key exists), then
   60 posts and 120 comments through the API, so the boards have pages to browse, and each read
   path warmed up three times.
3. ``locust -f loadtest/community.py --headless`` for ``--duration`` seconds, pinned like the
   bench (server on CPU 0, locust on CPU 1; ``--no-pin`` to let both float).
4. The figures (``loadtest/summary.py``): request rate, p50/p99 of reads and of writes, errors
   by request; the CPU each process used and the machine's load average, since locust and the
   server share this machine's two cores (with whatever else runs on it). Exit status 1 when
   any request failed or the reads' p99 is above ``--read-p99-ms`` (200), each figure printed
   beside its bar.

Every process started here is stopped at the end, also on errors and Ctrl-C; the data dir is
removed unless ``--keep``.
"""

# ruff: noqa: T201 (a load test prints its report)
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from bodies import new_comment, new_post
from harness import buyers, cluster, procs
from summary import Bars, failures, figure_lines, load, request_lines

from stampede.kernel.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SEED_POSTS, SEED_COMMENTS, SEED_PARALLEL = 60, 120, 8


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--spawn-rate", type=float, default=100.0)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--read-p99-ms", type=float, default=200.0)
    parser.add_argument("--no-pin", action="store_true", help="do not pin server and locust")
    parser.add_argument("--keep", action="store_true", help="keep the data dir and logs")
    return parser.parse_args()


@dataclass(frozen=True)
class Server:
    url: str
    child: procs.Child
    settings: Settings  # how this process reaches the server's data (identity's database)


def start_server(work: Path) -> Server:
    """``stampede up --no-demo`` in ``work/var`` on a free port, ready (the boards come with
    community's first migration; the demo seed is left out, so the start does not wait on it)."""
    data, port = work / "var", procs.free_port()
    args = ["up", "--no-demo", "--port", str(port), "--data-dir", str(data)]
    env = cluster.bench_env("warning", 1000.0, 0.0) | {"STAMPEDE_DATA_DIR": str(data)}
    child = procs.stampede("stampede up", args, env, work / "stampede.log", procs.SERVER_CPU)
    url = f"http://127.0.0.1:{port}"
    procs.wait_ready(url, child, timeout_s=120)
    return Server(url, child, Settings(data_dir=data, load_demo=False))


def first_log_in(url: str) -> None:
    """Sign one account up and log it in through the API, so identity has signed with its key
    (and its JWKS publishes it) before members' tokens are signed in this process."""
    body = {"email": f"loadtest-{uuid.uuid4().hex[:8]}@example.com", "password": "loadtest-pw-1"}
    for path, extra in (("signup", {"name": "Load Test"}), ("login", {})):
        reply = httpx.post(f"{url}/api/identity/{path}", json=body | extra, timeout=60)
        if reply.status_code not in (200, 201):
            raise RuntimeError(f"{path}: {reply.status_code} {reply.text[:300]}")


def make_members(server: Server, count: int, work: Path) -> list[str]:
    """``count`` member accounts with access tokens, written to ``work/tokens.json``."""
    first_log_in(server.url)
    made = asyncio.run(buyers.bulk_buyers(server.settings, count, uuid.uuid4().hex[:6]))
    tokens = [buyer.token for buyer in made.buyers]
    (work / "tokens.json").write_text(json.dumps(tokens))
    return tokens


async def seed(url: str, tokens: list[str]) -> None:
    """Posts on both boards, then comments on them; each member writes at most one post and one
    comment here (well within the per-member limits, which count these with the run's own)."""
    gate = asyncio.Semaphore(SEED_PARALLEL)
    async with httpx.AsyncClient(base_url=f"{url}/api/community", timeout=60) as api:

        async def send(token: str, path: str, body: dict[str, object]) -> str:
            async with gate:
                auth = {"Authorization": f"Bearer {token}"}
                reply = await api.post(path, json=body, headers=auth)
            if reply.status_code != 201:
                raise RuntimeError(f"seeding {path}: {reply.status_code} {reply.text[:300]}")
            return str(reply.json()["id"])

        boards = [("free", "prices")[n % 2] for n in range(min(SEED_POSTS, len(tokens)))]
        posts = await asyncio.gather(
            *(send(tokens[n], f"/boards/{b}/posts", new_post(b, n)) for n, b in enumerate(boards))
        )
        commenters = tokens[::-1][:SEED_COMMENTS]
        await asyncio.gather(
            *(
                send(token, f"/posts/{posts[n % len(posts)]}/comments", new_comment(n))
                for n, token in enumerate(commenters)
            )
        )
        await warm_up(api, posts[0])


async def warm_up(api: httpx.AsyncClient, post_id: str) -> None:
    """Each read path a few times before measuring, so one-time costs of a first request
    (statement compilation, lazy imports) are not counted as the scenario's latency."""
    paths = ["/boards", "/boards/free/posts", "/boards/prices/posts?q=생수"]
    paths += [f"/posts/{post_id}", f"/posts/{post_id}/comments"]
    for _ in range(3):
        for path in paths:
            reply = await api.get(path)
            if reply.status_code != 200:
                raise RuntimeError(f"warming up {path}: {reply.status_code} {reply.text[:300]}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def locust(args: argparse.Namespace, url: str, work: Path) -> procs.Child:
    argv = [
        procs.PYTHON, "-m", "locust", "-f", str(ROOT / "loadtest" / "community.py"),
        "--headless", "-u", str(args.users), "-r", f"{args.spawn_rate:g}",
        "-t", f"{args.duration}s", "--stop-timeout", "10", "--host", url,
        "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    env = {
        "LOADTEST_TOKENS": str(work / "tokens.json"),
        "LOADTEST_SUMMARY": str(work / "summary.json"),
    }
    return procs.Child("locust", argv, env, work / "locust.log", procs.LOAD_CPU).start()


def watch(child: procs.Child, timeout_s: float) -> float:
    """Wait for ``child`` to end; the CPU seconds it used (last seen while it ran)."""
    used = 0.0
    deadline = time.monotonic() + timeout_s
    while child.alive() and time.monotonic() < deadline:
        used = max(used, cpu_seconds(child.pid))
        time.sleep(0.5)
    if child.alive():
        raise RuntimeError(f"locust still runs after {timeout_s:.0f} s:\n{child.tail()}")
    return used


def run_locust(args: argparse.Namespace, server: Server, work: Path) -> list[str]:
    """Run locust to its end; lines on pinning, CPU used and the machine's load."""
    load_before = os.getloadavg()[0]
    server_before = cpu_seconds(server.child.pid)
    started = time.monotonic()
    child = locust(args, server.url, work)
    pins = ["not pinned (--no-pin)"] if args.no_pin else procs.pin_all()
    locust_cpu = watch(child, args.duration + 120)
    wall = time.monotonic() - started
    server_cpu = cpu_seconds(server.child.pid) - server_before
    return [
        "pinned: " + "; ".join(pins),
        f"CPU over the {wall:.0f} s locust ran: server {100 * server_cpu / wall:.0f} % of a core,"
        f" locust {100 * locust_cpu / wall:.0f} % of a core (the machine has {os.cpu_count()})",
        f"load average (1 min): {load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
        " (other work on this machine shares the same cores)",
    ]


def report(args: argparse.Namespace, work: Path, context: list[str]) -> int:
    """Print the figures beside their bars; 0 when the run passes, 1 otherwise."""
    run = load(work / "summary.json")
    bars = Bars(read_p99_ms=args.read_p99_ms)
    print(
        f"\nCommunity load: {args.users} users (members : guests = 7 : 3), {args.duration} s,"
        f" spawn {args.spawn_rate:g}/s, embedded (SQLite, memory bus and store)"
    )
    for line in [*context, *figure_lines(run, bars), *request_lines(run)]:
        print("  " + line if not line.startswith("  ") else line)
    if run.get("locust_cpu_warning"):
        print("  locust warned that its CPU passed 90 %: latencies include its own queueing")
    problems = failures(run, bars)
    print("FAIL: " + "; ".join(problems) if problems else "PASS")
    return 1 if problems else 0


def main() -> int:
    args = options()
    procs.exit_on_signals()
    work = Path(tempfile.mkdtemp(prefix="stampede-loadtest-"))
    try:
        server = start_server(work)
        tokens = make_members(server, args.users, work)
        asyncio.run(seed(server.url, tokens))
        context = run_locust(args, server, work)
        if not server.child.alive():
            raise RuntimeError(f"the server died:\n{server.child.tail()}")
        return report(args, work, context)
    finally:
        procs.stop_all()
        if args.keep:
            print(f"kept {work} (stampede.log, locust.log, summary.json)")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
