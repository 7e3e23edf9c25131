"""Release progress in the backend, through the Automation API.

`recorded` reads the stack output `releases` (slipway/stack/progress.py says why it is an output);
`hand_off` puts it, and an optional intent, into the workspace environment so the next
engine run of that stack (up or preview) sees it. Progress of a stack deployed before it was
recorded comes from the old `slipway:releases` config key (migrated once, then removed from
Pulumi.<stack>.yaml after the next successful update) or from what its `services` output says
runs.

Reading fails closed: a backend that does not answer stops the command (ProgressUnreadableError)
instead of reading as "nothing released", which would start every file's version again with no
gate. Only a stack that was never updated reads as empty (the CLI answers `{}` for it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pulumi import automation as auto

from ..release_state import ReleaseState
from ..spec.secret_values import scrub
from ..stack import key
from ..stack.config import slipway_values, stack_file_config
from ..stack.progress import (
    ENV,
    OUTPUT,
    Handoff,
    encode,
    from_outputs,
    parse,
    running_strategies,
)
from ..stack.stack_outputs import cli_error_reasons, plain_outputs

LEGACY_NAME = "releases"
LEGACY_KEY = key(LEGACY_NAME)


class ProgressUnreadableError(RuntimeError):
    """A stack's recorded release progress could not be read: nothing may be changed."""

    def __init__(self, stack: str, failure: auto.errors.CommandError) -> None:
        reasons = cli_error_reasons(failure)
        self.stack = stack
        super().__init__(scrub(
            f"stack {stack}: its recorded release progress (output {OUTPUT}) could not be read "
            f"({'; '.join(reasons) or 'pulumi stack output failed'}); nothing was changed: fix "
            "access to the backend and run the command again"))


@dataclass
class Recorded:
    """The progress the backend holds for one stack, and where it came from."""

    states: dict[str, ReleaseState] = field(default_factory=dict)
    migrated: list[str] = field(default_factory=list)
    """Services whose progress came from the old `slipway:releases` config key."""
    legacy_key: bool = False
    """The old key is still in the stack file (removed after the next successful update)."""
    running: dict[str, str] = field(default_factory=dict)
    """The release strategy each service ran after the last update (`services` output)."""

    @property
    def migrating(self) -> bool:
        return bool(self.migrated)


def outputs(stack: auto.Stack) -> dict[str, object]:
    """The stack's outputs as plain values ({} for a stack never updated); any failure to read
    them raises ProgressUnreadableError.

    One `pulumi stack output --json` that decrypts nothing (`stack_outputs.plain_outputs`).
    """
    workspace = stack.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    return read_outputs(workspace, stack.name)


def read_outputs(workspace: auto.LocalWorkspace, stack_name: str) -> dict[str, object]:
    """`outputs` of the stack named in the workspace (selected or not)."""
    try:
        return plain_outputs(workspace, stack_name)
    except auto.errors.CommandError as err:
        raise ProgressUnreadableError(stack_name, err) from None


def legacy_progress(stack: auto.Stack) -> object | None:
    """The old `slipway:releases` key of the stack file, if it is still there (read from the
    file: it was never a secret, and reading it needs no `pulumi config` process)."""
    workspace = stack.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    return _legacy_progress(workspace, stack.name)


def _legacy_progress(workspace: auto.LocalWorkspace, stack_name: str) -> object | None:
    path = Path(workspace.work_dir) / f"Pulumi.{stack_name.rsplit('/', 1)[-1]}.yaml"
    if not path.is_file():
        return None
    return slipway_values(stack_file_config(path)).get(LEGACY_NAME)


def recorded(stack: auto.Stack, found: Mapping[str, object] | None = None) -> Recorded:
    """The recorded progress: the `releases` output (else what the `services` output says runs),
    with the legacy config key's services taken from that key while it is still there.
    `found`: the stack's outputs when the caller has read them already."""
    workspace = stack.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    return _recorded(workspace, stack.name, found if found is not None else outputs(stack))


def recorded_elsewhere(workspace: auto.LocalWorkspace, stack_name: str) -> Recorded:
    """The recorded progress of another stack of the project (prod reads dev's), read by its
    name: that stack is neither selected nor created, and one that does not exist has
    nothing recorded. Any other failure to read raises ProgressUnreadableError."""
    try:
        found = plain_outputs(workspace, stack_name)
    except auto.errors.StackNotFoundError:
        found = {}
    except auto.errors.CommandError as err:
        raise ProgressUnreadableError(stack_name, err) from None
    return _recorded(workspace, stack_name, found)


def _recorded(workspace: auto.LocalWorkspace, stack_name: str,
              found: Mapping[str, object]) -> Recorded:
    result = Recorded(states=from_outputs(found, stack_name),
                      running=running_strategies(found.get("services")))
    legacy = _legacy_progress(workspace, stack_name)
    result.legacy_key = legacy is not None
    if legacy is not None:
        old = parse(legacy, f"Pulumi.{stack_name}.yaml: {LEGACY_KEY}")
        # The key is removed by the first successful update that records the progress, so
        # while it is there it is the newest word on the services it names.
        for name, state in old.items():
            result.states[name] = state
            result.migrated.append(name)
    return result


def hand_off(stack: auto.Stack, progress: Recorded | None = None,
             intent: Mapping[str, ReleaseState] | None = None) -> Recorded:
    """Give the stack's next engine run its recorded progress (read now unless given) and the
    intent for this run; returns the recorded progress."""
    known = progress if progress is not None else recorded(stack)
    workspace = stack.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    env = dict(workspace.env_vars or {})
    env[ENV] = encode(Handoff(recorded=dict(known.states), intent=dict(intent or {}),
                              running=dict(known.running)))
    workspace.env_vars = env
    return known


def finish_migration(stack: auto.Stack, progress: Recorded,
                     say: Callable[[str], None] | None = None) -> None:
    """After a successful update recorded the progress in the backend: drop the old key."""
    if not progress.legacy_key:
        return
    stack.remove_config(LEGACY_KEY)
    progress.legacy_key = False
    if say is not None and progress.migrating:
        say(f"migrated the release progress of {', '.join(sorted(progress.migrated))} from "
            f"{LEGACY_KEY} in Pulumi.{stack.name}.yaml into the backend (stack output "
            f"{OUTPUT}); the key is removed")
    progress.migrated = []


def exported(run_outputs: Mapping[str, object]) -> dict[str, ReleaseState]:
    """The progress an update recorded, from its outputs."""
    return parse(run_outputs.get(OUTPUT), f"output {OUTPUT}")


def remember(progress: Recorded, run_outputs: Mapping[str, object]) -> None:
    """What a successful update recorded: its progress and the strategy each service runs."""
    progress.states = exported(run_outputs)
    progress.running = running_strategies(run_outputs.get("services"))
