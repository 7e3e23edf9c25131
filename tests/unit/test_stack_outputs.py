"""A stack's outputs in one `pulumi stack output --json` that decrypts nothing
(stack/stack_outputs.py), for the tool and for a bare `pulumi up` reading its own progress;
the decrypting two-command read only when a progress output reads masked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto
from pulumi.automation._cmd import CommandResult

from slipway.spec.errors import SpecError
from slipway.stack import own_progress
from slipway.stack.stack_outputs import plain_outputs

RELEASES = {"api": {"stable": {"version": "1.2.3",
                               "image": "registry.example.com/team/api@sha256:" + "a" * 64}}}


class Workspace(auto.LocalWorkspace):
    """A workspace whose CLI answers `stack output --json` as told and counts every command."""

    def __init__(self, plain: dict[str, Any], full: dict[str, Any] | None = None) -> None:
        self.commands: list[list[str]] = []
        self.env_vars = {}
        self.work_dir = "."
        self.pulumi_home = None
        self._plain, self._full = plain, full
        workspace = self

        class Command:
            def run(self, args: list[str], cwd: str,
                    additional_env: dict[str, str]) -> CommandResult:
                workspace.commands.append(args)
                return CommandResult(stdout=json.dumps(workspace._plain), stderr="", code=0)

        self.pulumi_command = Command()  # type: ignore[assignment]

    def stack_outputs(self, stack_name: str) -> dict[str, auto.OutputValue]:
        self.commands.append(["stack", "output", "--json", "--show-secrets"])
        assert self._full is not None
        return {key: auto.OutputValue(value, secret=False) for key, value in self._full.items()}


def test_plain_progress_outputs_are_read_in_one_command_that_decrypts_nothing() -> None:
    workspace = Workspace({"releases": RELEASES, "token": "[secret]"})
    found = plain_outputs(workspace, "org/project/dev")
    assert found["releases"] == RELEASES
    assert workspace.commands == [["stack", "output", "--json", "--stack", "org/project/dev"]]


@pytest.mark.parametrize("masked", ["releases", "services"])
def test_a_masked_progress_output_falls_back_to_the_full_read(masked: str) -> None:
    workspace = Workspace({masked: "[secret]"}, full={masked: {"api": {}}})
    assert plain_outputs(workspace, "dev") == {masked: {"api": {}}}
    assert workspace.commands[-1][-1] == "--show-secrets"


def test_a_bare_pulumi_run_reads_its_own_progress_in_one_command(
        monkeypatch: pytest.MonkeyPatch) -> None:
    workspace = Workspace({"releases": RELEASES})
    monkeypatch.setattr(auto, "LocalWorkspace", lambda **_kwargs: workspace)
    handoff = own_progress.read_own_progress("dev", Path("."), qualified="org/project/dev")
    assert handoff.recorded["api"].stable is not None
    assert handoff.recorded["api"].stable.version == "1.2.3"
    assert len(workspace.commands) == 1


def test_an_unreadable_own_progress_stops_the_run_with_the_cli_error_and_no_secret(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(**_kwargs: Any) -> auto.LocalWorkspace:
        raise auto.errors.CommandError(CommandResult(
            stdout="", code=255,
            stderr="error: failed to open bucket s3://deployer:hunter2-secret@state.example.com"
                   "/slipway: connection refused\n"))

    monkeypatch.setattr(auto, "LocalWorkspace", refused)
    with pytest.raises(SpecError, match=r"could not be read .*failed to open bucket") as raised:
        own_progress.read_own_progress("dev", Path("."))
    assert "hunter2" not in str(raised.value)
