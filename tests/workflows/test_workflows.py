"""The GitHub workflows: valid for actionlint, pinned, and calling the commands a person runs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
VERSION = re.search(r"^ACTIONLINT_VERSION := (\S+)$", (ROOT / "Makefile").read_text(),
                    re.MULTILINE)
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def actionlint() -> str:
    assert VERSION is not None, "Makefile: ACTIONLINT_VERSION missing"
    path = os.environ.get("SLIPWAY_ACTIONLINT") or str(
        Path.home() / ".cache/slipway/tools" / f"actionlint-{VERSION[1]}" / "actionlint")
    if not Path(path).is_file():
        pytest.fail(f"actionlint not found at {path}: run `make actionlint`", pytrace=False)
    return path


def load(name: str) -> dict[Any, Any]:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    assert isinstance(document, dict)
    return document


def triggers(document: dict[Any, Any]) -> dict[str, Any]:
    """The `on:` mapping (YAML 1.1 reads the bare key `on` as True)."""
    value = document[True]
    assert isinstance(value, dict)
    return value


def run_steps(document: dict[Any, Any]) -> str:
    return "\n".join(step.get("run", "") for job in document["jobs"].values()
                     for step in job["steps"])


def test_actionlint_passes_on_every_workflow() -> None:
    result = subprocess.run([actionlint(), "-no-color"], cwd=ROOT, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert {p.name for p in WORKFLOWS.glob("*.yml")} == {
        "ci.yml", "preview.yml", "deploy.yml", "cleanup.yml"}


def test_actionlint_reports_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows"
    broken.mkdir(parents=True)
    shutil.copy2(WORKFLOWS / "cleanup.yml", broken / "cleanup.yml")
    text = (broken / "cleanup.yml").read_text()
    # A typo'd context: there is no matrix in this job.
    (broken / "cleanup.yml").write_text(text.replace("PR: ${{ github.event.number }}",
                                                     "PR: ${{ matrix.pr }}"))
    result = subprocess.run([actionlint(), "-no-color", str(broken / "cleanup.yml")],
                            cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'property "pr" is not defined' in result.stdout


def test_third_party_actions_are_pinned_by_commit() -> None:
    files = [*WORKFLOWS.glob("*.yml"), ROOT / ".github/actions/setup/action.yml"]
    uses = [m[1] for f in files for m in re.finditer(r"uses:\s*(\S+)", f.read_text())]
    remote = [u for u in uses if not u.startswith("./")]
    assert remote and all(PINNED.match(u) for u in remote), remote


def test_pull_requests_preview_comment_and_clean_up_with_the_slipway_commands() -> None:
    preview = load("preview.yml")
    assert triggers(preview)["pull_request"]["types"] == ["opened", "synchronize", "reopened"]
    steps = run_steps(preview)
    assert '.venv/bin/slipway preview --pr "$PR" --markdown preview.md' in steps
    assert "gh pr comment" in steps
    cleanup = load("cleanup.yml")
    assert triggers(cleanup)["pull_request"]["types"] == ["closed"]
    assert '.venv/bin/slipway preview --pr "$PR" --destroy' in run_steps(cleanup)
    assert ".venv/bin/slipway previews gc --older-than 7d" in run_steps(cleanup)


def test_merged_bumps_are_delivered_to_dev_then_prod_behind_an_environment() -> None:
    deploy = load("deploy.yml")
    assert triggers(deploy)["push"]["branches"] == ["main"]
    # The schedule resumes held releases and delivers to prod once a version has soaked.
    assert "schedule" in triggers(deploy)
    jobs = deploy["jobs"]
    dev = run_steps({"jobs": {"dev": jobs["dev"]}})
    assert ('.venv/bin/slipway deliver --stack dev --auto --prometheus-url "$PROMETHEUS_URL" \\\n'
            '  --commit "$COMMIT"') in dev
    assert "slipway up" not in run_steps(deploy)  # versions only move through deliver
    assert jobs["prod-plan"]["needs"] == "dev"
    for name, environment in (("prod", "production"), ("prod-disruptive",
                                                       "production-disruptive")):
        job = jobs[name]
        assert job["environment"] == environment
        assert job["needs"] == "prod-plan"
        steps = run_steps({"jobs": {name: job}})
        assert "slipway deliver --stack prod --auto" in steps
        assert '--commit "$COMMIT" --policy-config policy/config/prod.json' in steps
        assert job["steps"][-1]["env"]["COMMIT"] == "${{ github.sha }}"
    assert jobs["prod-disruptive"]["steps"][-1]["env"]["SLIPWAY_APPROVE_DISRUPTION"] == "true"
    assert "SLIPWAY_APPROVE_DISRUPTION" not in yaml.safe_dump(jobs["prod"])


def test_every_prod_job_provides_the_trusted_signing_keys_before_the_engine_runs() -> None:
    # policy/config/prod.json trusts no key of its own: without SLIPWAY_TRUSTED_KEYS every prod
    # preview fails on the image-signature rule.
    jobs = load("deploy.yml")["jobs"]
    for name in ("prod-plan", "prod", "prod-disruptive"):
        steps = jobs[name]["steps"]
        provides = [i for i, step in enumerate(steps)
                    if "SLIPWAY_TRUSTED_KEYS=" in step.get("run", "")]
        engine = [i for i, step in enumerate(steps) if "slipway " in step.get("run", "")]
        assert provides, f"{name} never sets SLIPWAY_TRUSTED_KEYS"
        assert provides[0] < engine[0], f"{name} runs slipway before the keys are set"


def test_ci_runs_lint_unit_and_integration() -> None:
    steps = run_steps(load("ci.yml"))
    for target in ("make lint", "make unit", "make integration", "make workflows"):
        assert target in steps


def test_setup_installs_the_official_pinned_cli_instead_of_building_it() -> None:
    action = yaml.safe_load((ROOT / ".github/actions/setup/action.yml").read_text())
    steps = action["runs"]["steps"]
    install = next(step for step in steps if "get.pulumi.com" in step.get("run", ""))
    assert 'source toolchain/versions.env' in install["run"]
    assert '--version "$PULUMI_VERSION"' in install["run"]
    assert 'plugin install resource kubernetes "v$PULUMI_KUBERNETES_VERSION"' in install["run"]
    assert "SLIPWAY_PULUMI=system" in install["run"]  # every later step of the job
    check = next(step for step in steps if "make venv toolchain" in step.get("run", ""))
    assert steps.index(install) < steps.index(check)
    # system: install.sh uses that CLI or fails; it never falls back to a 20-minute build.
    assert check["env"]["SLIPWAY_PULUMI"] == "system"
