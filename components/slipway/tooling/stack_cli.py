"""One `pulumi` command for a selected stack (`slipway.stack.stack_outputs.run_json`), for
reads its `Stack` methods make costlier than they need to be: `Stack.outputs()` runs two
commands (the second decrypts every secret) and `export_stack()` always decrypts; a read that
needs no secret runs one command that decrypts nothing."""

from __future__ import annotations

from typing import Any

from pulumi import automation as auto

from ..stack import stack_outputs


def run_json(stack: auto.Stack, *args: str) -> Any:
    """`pulumi <args> --stack <name>` in the stack's workspace, its stdout parsed as JSON.
    Raises the Automation API's `CommandError` as its own commands do."""
    workspace = stack.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    return stack_outputs.run_json(workspace, stack.name, *args)
