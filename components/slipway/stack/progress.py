"""How the program learns the recorded release progress, and what this update should do.

The progress is a stack output (`releases`), so it lives with the stack's state in whatever
backend holds it. The program needs it before it registers resources (a `StackReference`
resolves too late), so the `slipway` tool (Automation API) reads it and hands it to the
program in the environment variable SLIPWAY_RELEASE_PROGRESS, for that one run (a bare
`pulumi` run reads it itself: own_progress.py):

    {"recorded": {"orders": {...ReleaseState...}},   # as the backend has it
     "intent":   {"orders": {...ReleaseState...}},   # deliver/release: this step's state
     "running":  {"orders": "rolling"}}              # the strategy the last update deployed

For every service without an intent the program reconciles the recorded progress with the
service file (release_progress.reconcile), so `slipway up` never ignores a version change.
The program exports the state it applied as `releases` again, and that export resolves only
once every Deployment of the update exists: a failed update leaves the recorded progress as it
was.

A service whose file names another `release.strategy` than the one running (`running`, or what
its recorded progress implies) is refused by an update: that change would replace its
Deployments in one go. `slipway release switch` makes it in three updates that never drop below
the ready minimum; a preview shows that switch's first update.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from ..release_progress import Reconciled, bridged, desired, reconcile, running_strategy
from ..release_state import ReleaseRef, ReleaseState
from ..spec.catalog import Catalog
from ..spec.errors import SpecError
from ..spec.service import ServiceSpec
from . import stack_outputs

ENV = stack_outputs.ENV  # the hand-off's variable and output, named where the program reads
OUTPUT = stack_outputs.OUTPUT  # them first (own_outputs.py)


@dataclass(frozen=True)
class Handoff:
    """What the tool hands the program for one run."""

    recorded: dict[str, ReleaseState] = field(default_factory=dict)
    intent: dict[str, ReleaseState] = field(default_factory=dict)
    running: dict[str, str] = field(default_factory=dict)
    """The release strategy each service ran after the last update (its `services` output)."""


def dump(states: Mapping[str, ReleaseState]) -> dict[str, Any]:
    """Plain JSON-able progress, as exported and handed off (camelCase, no empty keys)."""
    return {name: state.model_dump(mode="json", by_alias=True, exclude_none=True,
                                   exclude_defaults=True)
            for name, state in sorted(states.items())}


def parse(raw: Any, where: str) -> dict[str, ReleaseState]:
    """Release progress from its plain form; a SpecError naming `where` when it is broken."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SpecError([f"{where}: must be a mapping of service name to release progress"])
    found: dict[str, ReleaseState] = {}
    problems = []
    for name, value in sorted(raw.items()):
        try:
            found[str(name)] = ReleaseState.model_validate(value)
        except ValidationError as err:
            problems.append(f"{where}.{name}: {err.errors()[0]['msg']} "
                            f"(at {'.'.join(str(p) for p in err.errors()[0]['loc'])})")
    if problems:
        raise SpecError(problems)
    return found


def from_services(raw: object) -> dict[str, ReleaseState]:
    """What the `services` output says runs, for stacks updated before progress existed."""
    found: dict[str, ReleaseState] = {}
    if not isinstance(raw, dict):
        return found
    for name, value in raw.items():
        if not isinstance(value, dict) or "version" not in value or "image" not in value:
            continue
        try:
            found[name] = ReleaseState(stable=ReleaseRef(version=str(value["version"]),
                                                         image=str(value["image"])))
        except ValueError:
            continue  # an output the model refuses is not progress to keep
    return found


def running_strategies(services: object) -> dict[str, str]:
    """`services.<name>.release.strategy` of the last update: what each service runs."""
    if not isinstance(services, dict):
        return {}
    return {name: value["release"]["strategy"] for name, value in services.items()
            if isinstance(value, dict) and isinstance(value.get("release"), dict)
            and isinstance(value["release"].get("strategy"), str)}


def from_outputs(outputs: Mapping[str, object], stack: str) -> dict[str, ReleaseState]:
    """The progress a stack's outputs record: `releases`, else what `services` says runs."""
    if OUTPUT in outputs:
        return parse(outputs[OUTPUT], f"stack {stack}: output {OUTPUT}")
    return from_services(outputs.get("services"))


def encode(handoff: Handoff) -> str:
    return json.dumps({"recorded": dump(handoff.recorded), "intent": dump(handoff.intent),
                       "running": dict(sorted(handoff.running.items()))})


def decode(text: str | None) -> Handoff | None:
    """The hand-off from its environment variable; None when the tool did not set one."""
    if not text:
        return None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as err:
        raise SpecError([f"{ENV}: not JSON ({err})"]) from None
    if not isinstance(raw, dict):
        raise SpecError([f"{ENV}: must be an object with recorded and intent"])
    running = raw.get("running") or {}
    if not isinstance(running, dict) or not all(
            isinstance(value, str) for value in running.values()):
        raise SpecError([f"{ENV}: running must map service names to strategy names"])
    return Handoff(recorded=parse(raw.get("recorded"), f"{ENV}: recorded"),
                   intent=parse(raw.get("intent"), f"{ENV}: intent"),
                   running={str(name): value for name, value in running.items()})


def strategy_change(spec: ServiceSpec, handoff: Handoff, sources: Mapping[str, str],
                    stack: str) -> str | None:
    """Why this update may not move `spec` to its file's strategy (None: it may): another
    strategy runs and no switch is under way (a bridge recorded or being put in place)."""
    recorded, intent = handoff.recorded.get(spec.name), handoff.intent.get(spec.name)
    if any(state is not None and state.switch is not None for state in (recorded, intent)):
        return None
    running = running_strategy(recorded, handoff.running.get(spec.name))
    if running is None or running == spec.release.strategy:
        return None
    return (f"{sources.get(spec.name, spec.name)}: release.strategy: {spec.name} runs "
            f"{running}; moving it to {spec.release.strategy} in one update would replace its "
            f"Deployments (their pods go); `slipway release switch {spec.name} --stack "
            f"{stack}` switches it in three updates that never drop below the ready minimum")


def apply_to_catalog(catalog: Catalog, handoff: Handoff, *, gated_by: str | None = None,
                     applying: bool = True, stack: str = "STACK",
                     direct: bool = False) -> dict[str, Reconciled]:
    """The release state of every service for this update: the intent where the tool gave one
    (intents for services no longer in the catalog are dropped), else the recorded progress
    reconciled with the service file.

    `gated_by` names the stage before this stack (slipway:delivery.after): there a version
    change only ever comes through `slipway deliver`, which checks that stage first, so an
    update (not a preview) that would change a version is refused with that command.

    `direct`: a review stack (pr-N) shows the PR's code as it is: every service runs its file's
    version at once, no release steps (nobody serves users there)."""
    result: dict[str, Reconciled] = {}
    refused = []
    for spec in catalog:
        switch = None if direct else strategy_change(spec, handoff, catalog.sources, stack)
        if switch is not None:
            if applying:
                refused.append(switch)
                continue
            result[spec.name] = Reconciled(bridged(spec, handoff.recorded.get(spec.name)),
                                           "switching",
                                           switch + " (this preview shows its first update)")
            continue
        if spec.name in handoff.intent:
            result[spec.name] = Reconciled(handoff.intent[spec.name], "none", "")
            continue
        if direct:
            result[spec.name] = Reconciled(ReleaseState(stable=desired(spec)), "none", "")
            continue
        reconciled = reconcile(spec, handoff.recorded.get(spec.name))
        if gated_by is not None and reconciled.change in ("rolled", "started", "superseded"):
            if applying:
                refused.append(
                    f"{catalog.sources.get(spec.name, spec.name)}: version: {spec.version} is "
                    f"delivered to {stack} by `slipway deliver --stack {stack}`, which first "
                    f"checks that {gated_by} delivered and verified it; `up` changes no "
                    "version here")
                continue
            reconciled = Reconciled(
                reconciled.state, reconciled.change,
                reconciled.note.replace("--stack STACK", f"--stack {stack}") +
                f" (after {gated_by} has verified it)")
        result[spec.name] = reconciled
    if refused:
        raise SpecError(refused)
    return result
