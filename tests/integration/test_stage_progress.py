"""Another stage's recorded progress, read by name on the real engine
(tooling/progress.recorded_elsewhere; `slipway deliver --stack prod` reads dev's): a stage
that does not exist reads as nothing recorded and is not created; one that ran reads as it
recorded."""

from __future__ import annotations

from typer.testing import CliRunner

from engine_project import Project
from slipway.cli import app
from slipway.tooling import progress, stacks


def stack_names(project: Project) -> list[str]:
    return [summary.name for summary in stacks.workspace(project.path).list_stacks()]


def test_a_stage_that_does_not_exist_reads_as_nothing_and_is_not_created(
        project: Project) -> None:
    assert stack_names(project) == []
    found = progress.recorded_elsewhere(stacks.workspace(project.path), "dev")
    assert found.states == {} and found.running == {}
    assert stack_names(project) == []

    result = CliRunner().invoke(app, ["up", "--stack", "dev", "--project-dir",
                                      str(project.path)])
    assert result.exit_code == 0, result.output[-3000:]
    found = progress.recorded_elsewhere(stacks.workspace(project.path), "dev")
    assert sorted(found.states) == sorted(p.stem for p in project.services.glob("*.yaml"))
    assert found.states == progress.recorded(project.stack()).states
