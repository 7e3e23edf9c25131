"""The Pulumi CLI run directly (no `slipway` tool, so no hand-off of the release progress): the
program reads its own stack's recorded progress, so a canary under way stays where it is, and
it stops, changing nothing, when that progress cannot be read."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from engine_project import Project
from slipway.cli import app
from slipway.stack.progress import ENV

CANDIDATE = "registry.example.com/shop/storefront@sha256:" + "e" * 64


def bare_pulumi(project: Project, *args: str, env: dict[str, str] | None = None
                ) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in (env or dict(os.environ)).items() if k != ENV}
    return subprocess.run(["pulumi", *args, "--stack", "dev", "--cwd", str(project.path),
                           "--non-interactive", "--color", "never"],
                          capture_output=True, text=True, check=False, env=environment,
                          timeout=600)


def start_canary(project: Project) -> dict[str, Any]:
    """A merged bump of storefront (canary) started by `slipway up`: the candidate at 1%."""
    project.up()
    path = project.services / "storefront.yaml"
    path.write_text("\n".join(
        "version: 2.5.0" if line.startswith("version:") else
        f"image: {CANDIDATE}" if line.startswith("image:") else line
        for line in path.read_text().splitlines()) + "\n")
    result = CliRunner().invoke(app, ["up", "--stack", "dev", "--json",
                                      "--project-dir", str(project.path)])
    assert result.exit_code == 0, result.stderr
    recorded = project.progress()
    assert recorded["storefront"]["candidate"]["version"] == "2.5.0"
    assert recorded["storefront"]["weight"] == 1
    return recorded


def test_a_bare_pulumi_up_keeps_a_canary_under_way(project: Project) -> None:
    recorded = start_canary(project)
    during = project.manifests()
    # The file says 2.5.0: without the recorded progress the program would take it as released
    # and put it at 100% with no gate.
    result = bare_pulumi(project, "up", "--yes", "--skip-preview")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert project.progress() == recorded
    assert project.manifests() == during


def test_a_bare_pulumi_up_that_cannot_read_the_progress_changes_nothing(
        project: Project, tmp_path: Path) -> None:
    recorded = start_canary(project)
    during = project.manifests()
    # The CLI run by its full path, with no `pulumi` on PATH: the language host starts the
    # program, whose own `pulumi stack output` cannot run.
    toolchain = Path(os.environ["SLIPWAY_TOOLCHAIN_BIN"])
    shadow = tmp_path / "bin"
    shadow.mkdir()
    for host in ("pulumi-language-python", "pulumi-language-python-exec"):
        (shadow / host).symlink_to(toolchain / host)
    env = {k: v for k, v in os.environ.items() if k != ENV}
    env["PATH"] = f"{shadow}:/usr/bin:/bin"
    result = subprocess.run(
        [str(toolchain / "pulumi"), "up", "--yes", "--skip-preview", "--stack", "dev",
         "--cwd", str(project.path), "--non-interactive", "--color", "never"],
        capture_output=True, text=True, check=False, timeout=600, env=env)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "stack dev: its recorded release progress (output releases) could not be read " \
        "(the pulumi CLI is not on PATH" in output, output[-3000:]
    assert project.manifests() == during
    assert project.progress() == recorded


def test_a_bare_pulumi_up_refuses_a_one_update_strategy_switch(project: Project) -> None:
    """What each service runs comes from the stack's outputs too: a rolling service whose file
    now says canary would have its Deployment replaced (pods gone) in one update."""
    project.up()
    before = project.manifests()
    payments = project.services / "payments.yaml"
    payments.write_text(payments.read_text() + "release: {strategy: canary}\n")
    result = bare_pulumi(project, "up", "--yes", "--skip-preview")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "slipway release switch payments --stack dev" in output, output[-3000:]
    assert project.manifests() == before
