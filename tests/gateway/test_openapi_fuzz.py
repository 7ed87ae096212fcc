"""Schemathesis over the whole public API: no operation answers a 5xx to anything, however
malformed, whether the caller is a guest, a customer or an admin.

``stampede up`` (embedded, demo data) runs once for the module; schemathesis reads its merged
``/api/openapi.json`` and, for each operation, Hypothesis makes up to :data:`EXAMPLES` requests
that fit the schema and as many that break it (bodies, paths, query strings), sent with no token,
a demo customer's and the demo admin's. The sequence is fixed (derandomized), so a failure comes
back on the next run. Rate limits are lifted (every request comes from 127.0.0.1) and the run's
data is thrown away afterwards.
"""

# ruff: noqa: T201 (the run reports what it sent)
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.system.processes import started

pytestmark = pytest.mark.system

EXAMPLES = 20  # per operation, caller and kind: ~12,000 requests, ~2.5 min on two cores
CALLERS = {
    "customer": ("minji@stampede.local", "demo-pass-minji"),
    "admin": ("admin@stampede.local", "demo-pass-admin"),
}


@pytest.fixture(scope="module")
def platform_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("fuzz")
    env = {
        "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_PER_IP": "10000000",
        "RATE_LIMIT_PER_USER": "10000000",
    }
    with started(["up", "--data-dir", str(data)], env, data / "up.log", 120) as (url, _):
        yield url


@pytest.fixture(scope="module")
def api_schema(platform_url: str) -> Any:
    return schemathesis.openapi.from_url(f"{platform_url}/api/openapi.json")


@pytest.fixture(scope="module")
def tokens(platform_url: str) -> dict[str, dict[str, str]]:
    """Each caller's bearer token header."""
    found: dict[str, dict[str, str]] = {}
    for caller, login in CALLERS.items():
        body = {"email": login[0], "password": login[1]}
        reply = httpx.post(f"{platform_url}/api/identity/login", json=body, timeout=30)
        assert reply.status_code == 200, reply.text
        found[caller] = {"Authorization": f"Bearer {reply.json()['access_token']}"}
    return found


explore = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


def server_errors(operation: Any, url: str, headers: dict[str, str], sent: list[int]) -> list[str]:
    """Send ``operation`` :data:`EXAMPLES` valid and :data:`EXAMPLES` invalid requests (a fixed
    sequence: derandomized); each 5xx answer, described."""
    found: list[str] = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @given(case=operation.as_strategy(generation_mode=mode))
        @explore
        def send(case: Any) -> None:
            answer = case.call(base_url=url, headers=headers, timeout=30)
            sent.append(answer.status_code)
            if answer.status_code >= 500:
                found.append(
                    f"{case.method} {case.formatted_path}: {answer.status_code} "
                    f"{answer.text[:200]} (body {case.body!r:.200})"
                )

        try:
            send()
        except Unsatisfiable:
            if mode is GenerationMode.POSITIVE:
                raise  # an operation no valid request can be made for
            # nothing of this operation can be made invalid (no parameters, no body)
    return found


@pytest.mark.parametrize("caller", ["guest", *sorted(CALLERS)])
def test_no_operation_answers_a_server_error(
    api_schema: Any, platform_url: str, tokens: dict[str, dict[str, str]], caller: str
) -> None:
    headers = tokens.get(caller, {})
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 100, "the merged schema lost operations"
    sent: list[int] = []
    found = [error for op in operations for error in server_errors(op, platform_url, headers, sent)]
    assert found == [], "\n".join(found)
    assert len(sent) > 2 * len(operations), "most operations were never called"
    print(
        f"\n{caller}: {len(operations)} operations, {len(sent)} requests, answers {Counter(sent)}"
    )
