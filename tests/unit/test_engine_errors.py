"""What `slipway` shows when the engine fails: the CLI's own error lines, which the Automation
API does not stream."""

from __future__ import annotations

import pytest
import typer
from pulumi import automation as auto
from pulumi.automation._cmd import CommandResult

from slipway.cli import common

LOCKED = ("error: the stack is currently locked by 1 lock(s). Either wait for the other "
          "process(es) to end or delete the lock file with `pulumi cancel`.\n"
          "  file:///state/.pulumi/locks/organization/slipway/dev/x.json: created by root@vm "
          "(pid 42) at 2026-11-30T01:29:24Z\n")


def failing(stderr: str) -> auto.errors.CommandError:
    return auto.errors.create_command_error(CommandResult(stdout="Updating (dev):\n",
                                                          stderr=stderr, code=255))


@pytest.mark.parametrize(("stderr", "expected"), [
    (LOCKED, ["error: the stack is currently locked by 1 lock(s). Either wait for the other "
              "process(es) to end or delete the lock file with `pulumi cancel`.",
              "file:///state/.pulumi/locks/organization/slipway/dev/x.json: created by root@vm "
              "(pid 42) at 2026-11-30T01:29:24Z"]),
    ("warning: A new version of Pulumi is available.\nerror: could not read the checkpoint\n",
     ["error: could not read the checkpoint"]),
    ("", []),
])
def test_engine_errors_keeps_the_clis_error_lines(stderr: str, expected: list[str]) -> None:
    assert common.engine_errors(failing(stderr)) == expected


@pytest.mark.parametrize("json_output", [False, True])
def test_a_failed_operation_prints_why_and_exits_1(
        json_output: bool, capsys: pytest.CaptureFixture[str]) -> None:
    def operation(**_: object) -> object:
        raise failing(LOCKED)

    with pytest.raises(typer.Exit) as exit_:
        common.engine(operation, json_output)  # type: ignore[arg-type]
    assert exit_.value.exit_code == 1
    err = capsys.readouterr().err
    assert "currently locked by 1 lock(s)" in err
    assert "pid 42" in err
    assert "ConcurrentUpdateError" in err
