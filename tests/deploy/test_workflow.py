"""The release pipeline is a valid GitHub Actions workflow (checked against the schema
check-jsonschema ships, so offline) that tests, builds the image, then pins it in the prod
overlay and commits that for Argo CD — with pinned actions and minimal permissions."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.manifests import ROOT, container, named, render

WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
PINNED = re.compile(r"^[\w.-]+/[\w.-]+@v\d+$")


def schema_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
         str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip


def workflow() -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    return loaded


def jobs() -> dict[str, Any]:
    found: dict[str, Any] = workflow()["jobs"]
    return found


def steps(job: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = jobs()[job]["steps"]
    return found


def uses(job: str, action: str) -> dict[str, Any]:
    (step,) = [s for s in steps(job) if s.get("uses", "").split("@")[0] == action]
    return step


def test_the_workflow_matches_the_github_workflow_schema() -> None:
    done = schema_check(WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_refuses_a_broken_workflow(tmp_path: Path) -> None:
    broken = workflow()
    del broken["jobs"]["test"]["runs-on"]
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(broken))
    assert schema_check(path).returncode != 0


def test_it_runs_on_pushes_to_main() -> None:
    triggers = workflow().get("on", workflow().get(True))  # YAML 1.1 reads `on` as true
    assert triggers == {"push": {"branches": ["main"]}}


def test_the_jobs_run_test_then_image_then_deploy() -> None:
    assert list(jobs()) == ["test", "image", "deploy"]
    assert jobs()["image"]["needs"] == "test" and jobs()["deploy"]["needs"] == "image"


def test_the_test_job_runs_the_suite_on_real_services() -> None:
    job = jobs()["test"]
    assert set(job["services"]) == {"postgres", "redis", "rabbitmq"}
    assert uses("test", "actions/setup-python")["with"]["python-version"] == "3.11"
    (run,) = [s for s in steps("test") if s.get("run") == "scripts/test"]
    assert run["env"]["CI"] == "true"


def test_the_image_is_built_and_pushed_with_the_commit_as_tag() -> None:
    uses("image", "docker/setup-buildx-action")
    assert uses("image", "docker/login-action")["with"]["registry"] == "ghcr.io"
    build = uses("image", "docker/build-push-action")["with"]
    assert build["push"] is True and build["tags"].endswith(":${{ github.sha }}")
    assert build["context"] == "."


def test_deploy_pins_the_image_in_the_prod_overlay_and_commits_it() -> None:
    """GitOps: the new tag lands in deploy/k8s/overlays/prod on main, for Argo CD."""
    names = [s.get("name", s.get("uses", "")) for s in steps("deploy")]
    pin = steps("deploy")[names.index("Pin the image in the prod overlay")]
    assert pin["working-directory"] == "deploy/k8s/overlays/prod"
    image = container(named(render("base"), "Deployment", "gateway"))["image"]
    assert pin["run"].startswith(f'kustomize edit set image "{image}=')
    script = steps("deploy")[names.index("Commit and push")]["run"]
    assert script.index("git commit") < script.index("git push")
    assert names.index("Pin the image in the prod overlay") < names.index("Commit and push")


def test_permissions_are_minimal() -> None:
    """Read-only by default; packages:write only to push the image, contents:write only to
    commit the pinned tag."""
    assert workflow()["permissions"] == {"contents": "read"}
    assert "permissions" not in jobs()["test"]
    assert jobs()["image"]["permissions"] == {"contents": "read", "packages": "write"}
    assert jobs()["deploy"]["permissions"] == {"contents": "write"}


@pytest.mark.parametrize("job", ["test", "image", "deploy"])
def test_actions_are_pinned_to_a_major_version(job: str) -> None:
    for step in steps(job):
        if "uses" in step:
            assert PINNED.match(step["uses"]), step["uses"]
