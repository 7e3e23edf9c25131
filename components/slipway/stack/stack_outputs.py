"""A stack's outputs read with one `pulumi` command, through the Automation API's public
`PulumiCommand.run`, for the program (a bare `pulumi up` reads its own progress) and the tool.

`LocalWorkspace.stack_outputs()` runs two commands and the second decrypts every secret output;
the release progress outputs are exported in plain text, so one `pulumi stack output --json`
that decrypts nothing reads them the same. Should one ever read as masked, the full read is
made."""

from __future__ import annotations

import json
from typing import Any

from pulumi import automation as auto

# Defined here, not in progress.py, so that the program's first line (own_outputs.py) reads
# them without importing the spec models.
ENV = "SLIPWAY_RELEASE_PROGRESS"
"""The environment variable the slipway tool hands a run its release progress in."""
OUTPUT = "releases"
"""The stack output the release progress is recorded in."""
SECRET_MASK = "[secret]"  # how `pulumi stack output --json` shows a secret output
PROGRESS_OUTPUTS = (OUTPUT, "services")
"""The outputs release progress is read from; the program exports them in plain text."""


def command_env(workspace: auto.LocalWorkspace) -> dict[str, str]:
    """The environment the workspace gives a `pulumi` command it runs (PULUMI_HOME, its
    env_vars)."""
    return {**({"PULUMI_HOME": workspace.pulumi_home} if workspace.pulumi_home else {}),
            **(workspace.env_vars or {})}


def run_json(workspace: auto.LocalWorkspace, stack_name: str, *args: str) -> Any:
    """`pulumi <args> --stack <stack_name>` in the workspace, its stdout parsed as JSON.
    Raises the Automation API's `CommandError` as its own commands do."""
    result = workspace.pulumi_command.run([*args, "--stack", stack_name], workspace.work_dir,
                                          command_env(workspace))
    return json.loads(result.stdout or "null")


def plain_outputs(workspace: auto.LocalWorkspace, stack_name: str) -> dict[str, object]:
    """The stack's outputs ({} for a stack never updated), progress outputs in plain text."""
    found: dict[str, object] = run_json(workspace, stack_name, "stack", "output", "--json") or {}
    if any(found.get(name) == SECRET_MASK for name in PROGRESS_OUTPUTS):
        found = {key: value.value for key, value in workspace.stack_outputs(stack_name).items()}
    return found


def cli_error_reasons(failure: auto.errors.CommandError) -> list[str]:
    """The `error:` lines the CLI wrote on stderr (the Automation API puts `stderr: ` before
    the first of them), for a message that says why a read failed."""
    text = str(failure)
    stderr = text.split("stderr:", 1)[1] if "stderr:" in text else text
    return [line.strip() for line in stderr.splitlines() if line.strip().startswith("error:")]
