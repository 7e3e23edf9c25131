"""`pulumi` commands for a selected stack, run through the Automation API's public
`PulumiCommand.run`, where its `Stack` methods cost more processes than the tool needs.

- `run_json`: one read (`slipway.stack.stack_outputs.run_json`). `Stack.outputs()` runs two
  commands (the second decrypts every secret) and `export_stack()` always decrypts; a read
  that needs no secret runs one command that decrypts nothing.
- `update`: `pulumi up`. `Stack.up()` follows the update with three reads, one after the
  other: `stack output --json`, the same with `--show-secrets` (decrypting every secret
  output) and `stack history --show-secrets` (decrypting the config), 0.8 s on a 50-service
  stack (docs/scale.md). The tool needs the change counts and the plain outputs
  (`renderDir`, `services`, the release progress), so `update` runs the two reads that need
  no secret, at the same time: `stack history --page-size 1` and `stack output --json`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pulumi import automation as auto

from ..stack import stack_outputs


def run_json(stack: auto.Stack, *args: str) -> Any:
    """`pulumi <args> --stack <name>` in the stack's workspace, its stdout parsed as JSON.
    Raises the Automation API's `CommandError` as its own commands do."""
    return stack_outputs.run_json(workspace_of(stack), stack.name, *args)


def workspace_of(stack: auto.Stack) -> auto.LocalWorkspace:
    workspace = stack.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    return workspace


@dataclass(frozen=True)
class Updated:
    """What one `pulumi up` did: the operation counts of the update the stack's history
    records ("same", "create", ...) and the stack's outputs, secret ones masked."""

    changes: dict[str, int]
    outputs: dict[str, object]


def update_args(*, message: str | None = None, policy_packs: Sequence[str] = (),
                policy_pack_configs: Sequence[str] = (), plan: str | None = None,
                refresh: bool = False) -> list[str]:
    """The `pulumi up` arguments `Stack.up()` would pass for the same options."""
    args = ["up", "--yes", "--skip-preview", "--color", "never"]
    if message is not None:
        args += ["--message", message]
    for pack in policy_packs:
        args += ["--policy-pack", pack]
    for config in policy_pack_configs:
        args += ["--policy-pack-config", config]
    if plan is not None:
        args += ["--plan", plan]
    if refresh:
        args.append("--refresh")
    # Recorded in the update's history as the Automation API records it (a hidden flag: the
    # CLI takes it with PULUMI_DEBUG_COMMANDS set, as `Stack.up()` sets it).
    return [*args, "--exec-kind", "auto.local"]


def last_update_changes(stack: auto.Stack) -> dict[str, int]:
    """The operation counts of the stack's latest update, from its history (config not
    decrypted)."""
    history = run_json(stack, "stack", "history", "--json", "--page-size", "1") or []
    changes = history[0].get("resourceChanges") if history else None
    return {str(op): int(count) for op, count in (changes or {}).items()}


def update(stack: auto.Stack, on_output: Callable[[str], None] | None = None, *,
           message: str | None = None, policy_packs: Sequence[str] = (),
           policy_pack_configs: Sequence[str] = (), plan: str | None = None,
           refresh: bool = False) -> Updated:
    """`pulumi up --yes --skip-preview` on the stack, its output streamed to `on_output`; then
    its change counts and plain outputs, read at the same time. Raises the Automation API's
    `CommandError` (`ConcurrentUpdateError`, ...) as `Stack.up()` does."""
    workspace = workspace_of(stack)
    env = {"PULUMI_DEBUG_COMMANDS": "true", **stack_outputs.command_env(workspace)}
    args = update_args(message=message, policy_packs=policy_packs,
                       policy_pack_configs=policy_pack_configs, plan=plan, refresh=refresh)
    workspace.pulumi_command.run([*args, "--stack", stack.name], workspace.work_dir, env,
                                 on_output)
    with ThreadPoolExecutor(max_workers=2) as pool:
        changes = pool.submit(last_update_changes, stack)
        outputs = pool.submit(stack_outputs.plain_outputs, workspace, stack.name)
        return Updated(changes=changes.result(), outputs=outputs.result())
