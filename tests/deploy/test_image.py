"""The Dockerfile builds a small, unprivileged image whose role comes from its arguments,
checked statically (tests/deploy/dockerfile.py); the rules also fail a bad Dockerfile."""

from __future__ import annotations

import fnmatch

from typer.testing import CliRunner

from stampede.cli import app
from stampede.compose import MODULES
from tests.deploy.dockerfile import problems, stages
from tests.deploy.manifests import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()
ROLES = {m.name for m in MODULES} | {"gateway", "web"}


def test_the_dockerfile_follows_the_rules() -> None:
    assert problems(DOCKERFILE) == []


def test_the_default_role_is_a_real_one_and_the_cli_takes_roles() -> None:
    """`docker run IMAGE serve ordering` runs `stampede serve ordering`."""
    final = stages(DOCKERFILE)[-1]
    assert final.all("CMD")[-1] == '["serve", "gateway", "web"]'
    assert {"gateway", "web"} <= ROLES
    shown = CliRunner().invoke(app, ["serve", "--help"])
    assert shown.exit_code == 0 and "Contexts (and/or gateway, web)." in shown.output


def test_the_builder_builds_a_wheel_into_the_venv() -> None:
    builder = stages(DOCKERFILE)[0]
    runs = " ".join(builder.all("RUN"))
    assert builder.alias == "builder" and "python -m venv /opt/venv" in runs
    assert "pip wheel" in runs and "/opt/venv/bin/pip install /wheels/" in runs


def test_a_bad_dockerfile_breaks_each_rule() -> None:
    bad = "\n".join(
        [
            "FROM python:3.12 AS builder",
            "RUN pip install .",
            "FROM python:3.12",
            "RUN apt-get update && apt-get install -y \\",
            "    gcc libpq-dev",
            "COPY --from=builder / /",
            "USER stampede",
            "ENTRYPOINT python -m stampede",
        ]
    )
    assert problems(bad) == [
        "final stage starts from python:3.12, not python:3.11-slim",
        "final stage copies ['--from=builder / /'], not only the venv",
        "final stage installs gcc",
        "final stage installs libpq-dev",
        "USER stampede is not numeric (runAsNonRoot cannot check a name)",
        'ENTRYPOINT is not ["stampede"]',
        "CMD does not default to a `serve` role",
        "no EXPOSE",
    ]
    assert problems("FROM python:3.11-slim\nUSER 0") == ["not a multi-stage build"]
    root = DOCKERFILE.replace("USER 10001:10001", "USER 0")
    assert problems(root) == ["final stage runs as root (USER 0)"]


def ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern wins, and a match of a parent counts."""
    parts = path.split("/")
    verdict = False
    for pattern in patterns:
        negated, glob = pattern.startswith("!"), pattern.lstrip("!").rstrip("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if glob == "**" or any(fnmatch.fnmatch(p, glob) for p in prefixes):
            verdict = not negated
    return verdict


def test_only_the_sources_go_into_the_build_context() -> None:
    text = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in text if line.strip() and not line.startswith("#")]
    for kept in ("pyproject.toml", "README.md", "src/stampede/cli.py"):
        assert not ignored(kept, patterns), kept
    for dropped in (
        ".venv/bin/python",
        ".git/HEAD",
        "var/identity.db",
        "tests/conftest.py",
        ".env",
    ):
        assert ignored(dropped, patterns), dropped
    assert ignored("src/stampede/__pycache__/cli.cpython-311.pyc", patterns)
