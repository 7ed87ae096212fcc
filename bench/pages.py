"""How long the web pages take on the server with demo data (bar: 100 ms each).

Run: ``.venv/bin/python bench/pages.py``. Starts ``stampede up`` (embedded, demo data), logs in
as a demo customer, then asks each page ``--repeat`` times one after another (after a warm-up)
and prints, per page, the server time the page reports in ``Server-Timing`` (its handler and
the API calls it makes, in the one process) at p50 / p95 / max beside the bar, and the wall
time seen by the client.
"""

# ruff: noqa: T201 (a benchmark prints its report)
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parents[1]))
from tests.system.processes import Process, free_port, wait_healthy

BAR_MS = 100.0
BUYER = ("minji@stampede.local", "demo-pass-minji")
# one buyer asking hundreds of pages a minute: the rate limits are not what is measured here
LIMITS = {"RATE_LIMIT_PER_IP": "1000000", "RATE_LIMIT_PER_USER": "1000000"}


def first_id(client: httpx.Client, kind: str) -> str:
    listed = client.get("/api/catalog/listings", params={"kind": kind, "limit": 1}).json()
    return str(listed["items"][0]["id"])


def community_paths(client: httpx.Client) -> list[str]:
    boards = client.get("/api/community/boards").json()
    items = boards.get("items", boards) if isinstance(boards, dict) else boards
    if not items:
        return ["/community"]
    slug = items[0]["slug"]
    posts = client.get(f"/api/community/boards/{slug}/posts").json().get("items", [])
    found = ["/community", f"/community/{slug}"]
    return found + ([f"/community/posts/{posts[0]['id']}"] if posts else [])


def pages(client: httpx.Client) -> list[str]:
    listings = [
        f"/listings/{first_id(client, k)}" for k in ("deal", "performance", "device", "car")
    ]
    mine = ["/my", "/my/inbox", "/my/profile", "/wishlist"]
    return [
        "/",
        "/search?q=%EA%B0%A4%EB%9F%AD%EC%8B%9C",
        *listings,
        *community_paths(client),
        *mine,
    ]


def log_in(client: httpx.Client) -> None:
    client.get("/login")
    form = {"csrf_token": client.cookies["st_csrf"], "email": BUYER[0], "password": BUYER[1]}
    answer = client.post("/login", data={**form, "next": "/"})
    if answer.status_code != 303:
        raise SystemExit(f"log-in failed: {answer.status_code}")


def measure(client: httpx.Client, path: str, repeat: int) -> tuple[int, list[float], list[float]]:
    for _ in range(3):
        client.get(path)
    server, wall = [], []
    status = 0
    for _ in range(repeat):
        started = time.perf_counter()
        answer = client.get(path)
        wall.append((time.perf_counter() - started) * 1000)
        status = answer.status_code
        timing = answer.headers.get("server-timing", "page;dur=nan")
        server.append(float(timing.split("dur=")[1]))
    return status, server, wall


def pct(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(path: str, status: int, server: list[float], wall: list[float]) -> bool:
    p95 = pct(server, 0.95)
    ok = status == 200 and p95 <= BAR_MS
    print(
        f"{path[:44]:44} {status:4} {statistics.median(server):7.1f} {p95:7.1f} "
        f"{max(server):7.1f} {statistics.median(wall):8.1f}   {'met' if ok else 'NOT MET'}"
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="stampede-pages-"))
    port = free_port()
    process = Process(["up", "--port", str(port), "--data-dir", str(data)], LIMITS, data / "log")
    process.start()
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process, timeout_s=180)
        time.sleep(3)  # the last demo seed's events are handled in the background
        with httpx.Client(base_url=url, timeout=30) as client:
            log_in(client)
            print(f"pages on demo data, logged in as {BUYER[0]}; {args.repeat} requests each")
            head = f"{'page':44} {'code':>4} {'p50':>7} {'p95':>7} {'max':>7} {'wall50':>8}"
            print(f"{head}   bar: p95 ≤ {BAR_MS:.0f} ms (server time, Server-Timing)")
            met = [report(p, *measure(client, p, args.repeat)) for p in pages(client)]
        print(f"{sum(met)} of {len(met)} pages within the bar")
        print("reproduce: .venv/bin/python bench/pages.py")
    finally:
        process.stop()


if __name__ == "__main__":
    main()
