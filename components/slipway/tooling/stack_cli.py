"""One `pulumi` command for a selected stack, through the Automation API's public
`PulumiCommand.run`, for reads its `Stack` methods make costlier than they need to be:
`Stack.outputs()` runs two commands (the second decrypts every secret) and `export_stack()`
always decrypts; a read that needs no secret runs one command that decrypts nothing."""

from __future__ import annotations

import json
from typing import Any

from pulumi import automation as auto


def run_json(stack: auto.Stack, *args: str) -> Any:
    """`pulumi <args> --stack <name>` in the stack's workspace, its stdout parsed as JSON.
    Raises the Automation API's `CommandError` as its own commands do."""
    workspace = stack.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    env = {**({"PULUMI_HOME": workspace.pulumi_home} if workspace.pulumi_home else {}),
           **(workspace.env_vars or {})}
    result = workspace.pulumi_command.run([*args, "--stack", stack.name],
                                          workspace.work_dir, env)
    return json.loads(result.stdout or "null")
