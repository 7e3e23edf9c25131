"""A release step the engine fails changes nothing: with the real engine on the dev stack, the
Kubernetes provider fails to write the canary Deployment mid-update (its rendered file's path
is taken by a directory) while the update's other resources are applied; the tool undoes them,
so the recorded progress, the stack's state and the rendered files are exactly as before the
step, and the same step succeeds once the cause is gone."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from engine_project import Project
from slipway.cli import app

IMAGE = "registry.example.com/shop/storefront@sha256:" + "e" * 64
CANARY = "1-manifest/apps_v1-deployment-slipway-dev-storefront-canary.yaml"
START = "slipway release start storefront 2.5.0"


def release(project: Project, *args: str) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(app, ["release", *args, "--stack", "dev", "--json",
                                      "--project-dir", str(project.path)])
    lines = result.stdout.strip().splitlines()
    return result.exit_code, (json.loads(lines[-1]) if lines else {}), result.stderr


def state(project: Project) -> dict[str, Any]:
    """Every resource's inputs and outputs, without the engine's timestamps."""
    return {resource["urn"]: (resource.get("inputs"), resource.get("outputs"))
            for resource in project.resources()}


def history(project: Project) -> list[tuple[str, str]]:
    return [(entry.message, entry.result) for entry in reversed(project.stack().history())]


def test_a_step_the_engine_fails_leaves_progress_state_and_files_as_before(
        project: Project) -> None:
    project.up()
    progress, resources, files = project.progress(), state(project), project.manifests()
    # The provider cannot write the canary Deployment: a real engine failure in mid-update,
    # after (or while) the step's other changes (canary Service, route weights) are applied.
    obstacle = project.out / CANARY
    obstacle.mkdir(parents=True)

    code, out, err = release(project, "start", "storefront", "--version", "2.5.0",
                             "--image", IMAGE)
    assert code == 1
    assert f"the Pulumi engine failed on `{START}`" in out["error"]
    assert "were restored to what they were before the step" in out["error"]
    assert project.progress() == progress
    assert state(project) == resources
    assert project.manifests() == files
    assert history(project)[-2:] == [(START, "failed"),
                                     (f"slipway restore after failed `{START}`", "succeeded")]

    obstacle.rmdir()
    code, out, err = release(project, "start", "storefront", "--version", "2.5.0",
                             "--image", IMAGE)
    assert code == 0, err
    assert out["candidate"]["version"] == "2.5.0" and out["weight"] == 1
    assert project.progress()["storefront"]["candidate"]["version"] == "2.5.0"
    assert CANARY in project.manifests()
