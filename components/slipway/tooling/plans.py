"""Update plans: the update applies exactly what the guard and the policy pack checked.

A guarded `slipway up` used to preview (guard + policy pack), then run a second, independent
update: whatever changed in between (a service file, the program, the stack's state) was
applied unchecked. Now the checked preview saves Pulumi's update plan (`--save-plan`) into a
temporary directory outside the checkout, and the update runs with that plan (`up --plan`),
in two layers that both fail closed:

1. `apply` first previews again and compares the new plan with the checked one, resource by
   resource (what each would become, and the steps to get there). Any difference refuses the
   update before the engine touches anything (`PlanDriftError`).
2. The update itself runs with the checked plan, so the engine refuses any resource that would
   do something else than planned (a change made after step 1, in the instant before the
   update). This is Pulumi's own enforcement; what it refuses is never applied, though steps
   it already applied from the plan stay (they are exactly what was checked).

Secret values are encrypted in plan files (never shown), so layer 1 compares where secrets are,
not their values; a secret changed alone is refused by layer 2.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from ..release_state import ReleaseState
from . import progress, stack_cli, stacks
from .previews import PolicyPack

PLAN_FILE = "checked-plan.json"
RECHECK_FILE = "recheck-plan.json"
# How the engine marks an encrypted value in plan and state files.
SECRET_SIG = "4dabf18193072939515e22adb298388d"
# A resource plan's `goal` (what the resource becomes) and `steps` say what the update will do;
# `seed` (random per preview) and `state` (outputs the engine expects) differ between identical
# previews and are left out.
# The engine's words when a resource would do something other than its plan.
VIOLATION = "violates plan"


class PlanDriftError(RuntimeError):
    """The program would now do something other than the checked plan; nothing was applied
    by Slipway (see the module docstring for what the engine's own refusal means)."""

    def __init__(self, stack: str, differences: list[str]) -> None:
        self.stack = stack
        self.differences = differences
        shown = "\n".join(f"- {line}" for line in differences)
        super().__init__(
            f"{stack}: the update would no longer do what was checked (preview, guard and "
            f"policy pack), so it was refused:\n{shown}\nRun `slipway preview` and `slipway up` "
            "again from a checkout that does not change during the run.")


@contextmanager
def plan_directory() -> Iterator[Path]:
    """A private temporary directory for plan files, removed afterwards (never the checkout)."""
    with tempfile.TemporaryDirectory(prefix="slipway-plan-") as directory:
        yield Path(directory)


def _without_secret_values(value: Any) -> Any:
    if isinstance(value, dict):
        if SECRET_SIG in value:
            return "[secret]"
        return {key: _without_secret_values(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_secret_values(item) for item in value]
    return value


def _in_stable_order(goal: Any) -> Any:
    """The engine lists dependencies in the order the program's threads registered them,
    which varies between identical runs; what matters is the set."""
    if not isinstance(goal, dict):
        return goal
    ordered = dict(goal)
    if isinstance(goal.get("dependencies"), list):
        ordered["dependencies"] = sorted(goal["dependencies"])
    if isinstance(goal.get("propertyDependencies"), dict):
        ordered["propertyDependencies"] = {key: sorted(urns) for key, urns
                                           in goal["propertyDependencies"].items()}
    return ordered


def planned_resources(plan_file: Path) -> dict[str, Any]:
    """{urn: what the plan will make of it} from a plan file, secrets masked."""
    document = json.loads(plan_file.read_text(encoding="utf-8"))
    resources = document.get("resourcePlans") or {}
    return {urn: _without_secret_values({"goal": _in_stable_order(entry.get("goal")),
                                         "steps": entry.get("steps")})
            for urn, entry in resources.items()}


def _config(plan_file: Path) -> Any:
    return _without_secret_values(json.loads(plan_file.read_text(encoding="utf-8"))
                                  .get("config"))


def differences(checked: Path, now: Path) -> list[str]:
    """What the plan `now` would do that `checked` does not (empty: the same update)."""
    before, after = planned_resources(checked), planned_resources(now)
    found = []
    for urn in sorted(set(before) | set(after)):
        if urn not in before:
            found.append(f"{urn}: not in the checked plan ({', '.join(after[urn]['steps'] or [])})")
        elif urn not in after:
            found.append(f"{urn}: in the checked plan but no longer planned")
        elif before[urn] != after[urn]:
            steps_before, steps_after = before[urn]["steps"], after[urn]["steps"]
            what = (f"steps {steps_before} -> {steps_after}" if steps_before != steps_after
                    else "planned inputs differ")
            found.append(f"{urn}: {what}")
    if _config(checked) != _config(now):
        found.append("stack configuration differs from the checked plan")
    return found


def apply(name: str, project_dir: Path, plan_file: Path, policy: PolicyPack | None = None,
          on_output: Callable[[str], None] | None = None, *,
          intent: Mapping[str, ReleaseState] | None = None,
          message: str | None = None) -> stacks.StackRun:
    """Apply exactly the checked plan in `plan_file` (saved by `previews.plan`), with the same
    policy pack and release intent, or raise PlanDriftError without applying. `message`: the
    update's message (a release step's)."""
    packs = [str(policy.path)] if policy else None
    configs = [str(policy.config)] if policy else None
    selected = stacks.stack(name, project_dir)
    # The program reads the release progress recorded in the backend (and the step's intent),
    # as in the checked preview.
    recorded = progress.hand_off(selected, None, intent)
    recheck = plan_file.with_name(RECHECK_FILE)
    selected.preview(on_output=on_output, color="never", plan=str(recheck),
                     policy_packs=packs, policy_pack_configs=configs)
    found = differences(plan_file, recheck)
    if found:
        raise PlanDriftError(name, found)
    try:
        updated = stack_cli.update(selected, on_output, plan=str(plan_file), message=message,
                                   policy_packs=packs or (), policy_pack_configs=configs or ())
    except auto.errors.CommandError as err:
        if VIOLATION in str(err):
            raise PlanDriftError(name, sorted({line.strip() for line in str(err).splitlines()
                                          if VIOLATION in line})) from None
        raise
    progress.finish_migration(selected, recorded, on_output)
    return stacks.StackRun.of_update(name, updated)
