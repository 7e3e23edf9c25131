"""Stacks of the Slipway project through Pulumi's Automation API.

The engine is the real one: `pulumi` and its plugins come from the environment
(`source toolchain/env.sh` puts the built toolchain first on PATH and points state at a local
file backend). New stacks use the passphrase secrets provider, so nothing needs an account.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from ..stack import stack_file_settings
from . import progress, recovery, stack_cli
from . import pulumi_command as checked_pulumi
from .engine_tmp import engine_env


@dataclass(frozen=True)
class StackRun:
    """What one `up`/`preview`/`destroy` did, for a one-line summary."""

    stack: str
    operation: str
    changes: dict[str, int] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return sum(count for op, count in self.changes.items() if op != "same")

    @classmethod
    def of_update(cls, stack: str, updated: stack_cli.Updated) -> StackRun:
        return cls(stack=stack, operation="up", changes=dict(updated.changes),
                   outputs=dict(updated.outputs))

    def summary(self) -> str:
        parts = ", ".join(f"{count} {op}" for op, count in sorted(self.changes.items()) if count)
        return f"{self.stack}: {self.operation} {parts or 'nothing to do'}"


def operation_counts(counts: Mapping[Any, int] | None) -> dict[str, int]:
    """Operation counts keyed by plain names (create, update, same, ...)."""
    return {str(getattr(op, "value", op)): count for op, count in (counts or {}).items()}


def pulumi_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key.startswith("PULUMI_")}


# Server-side apply refuses to change a field another manager (kubectl scale, kubectl edit)
# changed last. When Slipway is asked to repair drift (--refresh), what the stack declares wins.
FORCE_OWNERSHIP = {"PULUMI_K8S_ENABLE_PATCH_FORCE": "true"}

# A preview writes no state, yet the file backend of Pulumi 3.274 and later serializes the whole
# snapshot after every step of a preview too (a 200-service preview 50 s -> 300 s with an
# installed newer CLI; docs/scale.md). Only for previews: an interrupted update must leave its
# record.
PREVIEW_ONLY = {"PULUMI_SKIP_CHECKPOINTS": "true"}


def for_preview(selected: auto.Stack) -> auto.Stack:
    """The stack's workspace set up for previews only (see PREVIEW_ONLY); never run an update
    with it."""
    workspace = selected.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    workspace.env_vars = {**(workspace.env_vars or {}), **PREVIEW_ONLY}
    return selected


def pulumi_command() -> auto.PulumiCommand:
    """The `pulumi` on PATH, version-checked once per process (each workspace would otherwise
    run `pulumi version` again: a CLI start per stack selection); see pulumi_command.py."""
    return checked_pulumi.command()


def workspace(project_dir: Path, *, take_ownership: bool = False) -> auto.LocalWorkspace:
    """The project's workspace: new stacks get passphrase secrets (no account needed)."""
    env = {**pulumi_env(), **engine_env(), **(FORCE_OWNERSHIP if take_ownership else {})}
    return auto.LocalWorkspace(work_dir=str(project_dir), secrets_provider="passphrase",
                               env_vars=env, pulumi_command=pulumi_command())


def stack(name: str, project_dir: Path, *, take_ownership: bool = False) -> auto.Stack:
    """Select the stack, creating it (passphrase secrets) when it does not exist yet.

    An engine run of it needs the recorded release progress: `up`/`preview` here hand it over;
    call `progress.hand_off(stack)` before running one yourself."""
    return auto.Stack.create_or_select(name, workspace(project_dir,
                                                       take_ownership=take_ownership))


def stack_and_progress(name: str, project_dir: Path) -> tuple[auto.Stack, progress.Recorded]:
    """`stack` and its recorded release progress, read while the stack is selected (each is a
    `pulumi` process; the read names the stack, so it needs no selection, only an existing
    stack). A new stack's read fails, and is made again once the selection created it: it
    reads as nothing recorded. Fails closed as `progress.recorded` does."""
    shared = workspace(project_dir)
    with ThreadPoolExecutor(max_workers=1) as pool:
        selecting = pool.submit(auto.Stack.create_or_select, name, shared)
        try:
            found = progress.read_outputs(shared, name)
        except progress.ProgressUnreadableError as unreadable:
            try:
                selecting.result()  # a stack that did not exist is created now
            except auto.errors.CommandError:
                raise unreadable from None  # the backend does not answer: fail closed
            found = progress.read_outputs(shared, name)
        selected = selecting.result()
    return selected, progress.recorded(selected, found)


def up(name: str, project_dir: Path,
       on_output: Callable[[str], None] | None = None,
       policy_packs: list[str] | None = None,
       policy_pack_configs: list[str] | None = None, *,
       refresh: bool = False, selected: auto.Stack | None = None,
       recorded: progress.Recorded | None = None,
       recovering: Future[recovery.Recovery] | None = None) -> StackRun:
    # refresh: read every resource from the cluster first, so drift (or a cluster rebuilt
    # under the stack) is repaired instead of trusted away. An interrupted earlier update is
    # resolved first (recovery.py), and then always refreshes.
    # `selected`/`recorded`/`recovering`: the stack, its progress and its recovery
    # (`recovery.start`) when the caller has them already (each costs a `pulumi` process).
    selected = selected or stack(name, project_dir)
    recovered = recovering.result() if recovering else recovery.recover(selected, name)
    # A stack rendering into a directory has no cluster to refresh from (the refresh fails
    # as "unreachable cluster"); its state still holds each pending resource as it was
    # before, so the update applies their change again.
    rendering = recovered.needs_refresh and renders_to_directory(project_dir, name)
    for line in recovered.messages(name, rendering=rendering):
        sys.stderr.write(f"{line}\n")
    refresh = refresh or (recovered.needs_refresh and not rendering)
    if refresh:
        selected = stack(name, project_dir, take_ownership=True)
    recorded = progress.hand_off(selected, recorded)
    updated = stack_cli.update(selected, on_output, policy_packs=policy_packs or (),
                               policy_pack_configs=policy_pack_configs or (), refresh=refresh)
    progress.finish_migration(selected, recorded, on_output)
    return StackRun.of_update(name, updated)


def renders_to_directory(project_dir: Path, name: str) -> bool:
    """The stack's file sets `slipway:kubernetes.renderDir` (no cluster behind it)."""
    if not (project_dir / f"Pulumi.{name}.yaml").is_file():
        return False
    settings = stack_file_settings(project_dir, name)
    return settings.kubernetes is not None and settings.kubernetes.render_dir is not None


def preview(name: str, project_dir: Path,
            on_output: Callable[[str], None] | None = None) -> StackRun:
    selected = stack(name, project_dir)
    progress.hand_off(selected)
    result = for_preview(selected).preview(on_output=on_output, color="never", diff=True)
    return StackRun(stack=name, operation="preview",
                    changes=operation_counts(result.change_summary))


def destroy(name: str, project_dir: Path, remove: bool = False,
            on_output: Callable[[str], None] | None = None) -> StackRun:
    selected = stack(name, project_dir)
    result = selected.destroy(on_output=on_output, color="never")
    if remove:
        # Pulumi.<stack>.yaml is the user's file (committed for dev and prod): keep it.
        selected.workspace.remove_stack(name, preserve_config=True)
    return StackRun(stack=name, operation="destroy",
                    changes=operation_counts(result.summary.resource_changes))


def rendered_files(render_dir: Path) -> list[Path]:
    """The manifests the Kubernetes provider wrote (it splits CRDs into 0-crd/ and 1-manifest/)."""
    if not render_dir.is_dir():
        return []
    return sorted(p for p in render_dir.rglob("*.yaml") if p.is_file())
