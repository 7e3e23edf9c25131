"""`pulumi up` for the tool (tooling/stack_cli.update): the options reach the CLI as
`Stack.up()` passes them, the output streams, and the update is followed by two reads that
decrypt nothing (the history's change counts and the plain outputs) instead of `Stack.up()`'s
three, two of them decrypting."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from pulumi import automation as auto
from pulumi.automation._cmd import CommandResult

from slipway.tooling import stack_cli

OUTPUTS = {"renderDir": "out/dev", "releases": {}, "services": {"api": {}}, "token": "[secret]"}
HISTORY = [{"kind": "update", "result": "succeeded",
            "resourceChanges": {"same": 40, "update": 2, "create": 1}}]


class Cli:
    """A `pulumi` that answers the reads as told, fails `up` when asked, and records every
    command with the environment and thread it ran on."""

    def __init__(self, up_failure: str | None = None) -> None:
        self.runs: list[tuple[list[str], dict[str, str], str]] = []
        self.up_failure = up_failure

    def run(self, args: list[str], cwd: str, additional_env: dict[str, str],
            on_output: Callable[[str], None] | None = None) -> CommandResult:
        self.runs.append((list(args), dict(additional_env), threading.current_thread().name))
        if args[0] == "up":
            if self.up_failure:
                raise auto.errors.ConcurrentUpdateError(
                    CommandResult(stdout="", stderr=self.up_failure, code=255))
            if on_output is not None:
                on_output("Resources:\n    43 unchanged")
            return CommandResult(stdout="", stderr="", code=0)
        answer: Any = HISTORY if args[:2] == ["stack", "history"] else OUTPUTS
        return CommandResult(stdout=json.dumps(answer), stderr="", code=0)


def stack_with(cli: Cli) -> auto.Stack:
    workspace = auto.LocalWorkspace.__new__(auto.LocalWorkspace)
    workspace.env_vars = {"PULUMI_BACKEND_URL": "file:///state", "SLIPWAY_RELEASE_PROGRESS": "x"}
    workspace.work_dir = "/project"
    workspace.pulumi_home = None
    workspace.pulumi_command = cli  # type: ignore[assignment]
    stack = auto.Stack.__new__(auto.Stack)
    stack.name = "dev"
    stack.workspace = workspace
    return stack


def test_an_update_passes_every_option_and_reads_back_without_decrypting() -> None:
    cli = Cli()
    streamed: list[str] = []
    updated = stack_cli.update(stack_with(cli), streamed.append, message="slipway release",
                               policy_packs=["policy"], policy_pack_configs=["dev.json"],
                               plan="/tmp/plan.json", refresh=True)
    up, env, _thread = cli.runs[0]
    assert up == ["up", "--yes", "--skip-preview", "--color", "never",
                  "--message", "slipway release", "--policy-pack", "policy",
                  "--policy-pack-config", "dev.json", "--plan", "/tmp/plan.json", "--refresh",
                  "--exec-kind", "auto.local", "--stack", "dev"]
    # The hand-off and the backend reach the engine run.
    assert env["SLIPWAY_RELEASE_PROGRESS"] == "x"
    assert env["PULUMI_BACKEND_URL"] == "file:///state"
    assert streamed == ["Resources:\n    43 unchanged"]
    reads = sorted(args for args, _env, _thread in cli.runs[1:])
    assert reads == [["stack", "history", "--json", "--page-size", "1", "--stack", "dev"],
                     ["stack", "output", "--json", "--stack", "dev"]]
    assert not any("--show-secrets" in args for args, _env, _thread in cli.runs)
    assert updated.changes == {"same": 40, "update": 2, "create": 1}
    assert updated.outputs == OUTPUTS


def test_the_two_reads_after_an_update_run_at_the_same_time() -> None:
    both = threading.Barrier(2, timeout=10)

    class Overlapping(Cli):
        """Each read waits for the other to have started: one after the other, they fail."""

        def run(self, args: list[str], cwd: str, additional_env: dict[str, str],
                on_output: Callable[[str], None] | None = None) -> CommandResult:
            if args[0] == "stack":
                both.wait()
            return super().run(args, cwd, additional_env, on_output)

    cli = Overlapping()
    assert stack_cli.update(stack_with(cli)).changes["same"] == 40
    assert len(cli.runs) == 3


def test_an_update_without_options_passes_none() -> None:
    cli = Cli()
    stack_cli.update(stack_with(cli))
    assert cli.runs[0][0] == ["up", "--yes", "--skip-preview", "--color", "never",
                              "--exec-kind", "auto.local", "--stack", "dev"]


def test_a_refused_update_raises_the_automation_api_error_and_reads_nothing() -> None:
    cli = Cli(up_failure="error: the stack is currently locked by 1 lock(s)")
    with pytest.raises(auto.errors.ConcurrentUpdateError):
        stack_cli.update(stack_with(cli))
    assert [args[0] for args, _env, _thread in cli.runs] == ["up"]


def test_a_stack_never_updated_reads_no_changes() -> None:
    class Empty(Cli):
        def run(self, args: list[str], cwd: str, additional_env: dict[str, str],
                on_output: Callable[[str], None] | None = None) -> CommandResult:
            if args[:2] == ["stack", "history"]:
                return CommandResult(stdout="[]", stderr="", code=0)
            return super().run(args, cwd, additional_env, on_output)

    assert stack_cli.update(stack_with(Empty())).changes == {}
