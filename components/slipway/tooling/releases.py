"""Releases through the Automation API: each step is one `up` that records its progress.

A step is pure (`start`, `promote`, `rollback`: release state in, release state and update
message out), then `apply` hands the new state to the program for that run (tooling/progress.py)
and runs an ordinary `pulumi up`, which records it in the stack's `releases` output, carrying
the message `slipway release <action> <service> <version>`, so
`pulumi stack history` records every step. `run_auto` drives a canary through its steps,
judging each against the service's SLO with Prometheus.

Canary: start puts the candidate at the first step; promote moves to the next step, and at 100
the candidate becomes stable (no canary left); rollback sets the weight to 0 and removes the
candidate, the stable version untouched.

Blue-green: start puts the candidate in the idle slot (the preview Service); promote flips the
live slot to it (weight 100), and promoting again finishes the release (the candidate becomes
stable and the old slot goes away); rollback flips back while both slots run, or removes a
candidate still in preview.

Switch (the service file names another `release.strategy` than the one running): three
updates (strategies.py). The first brings the bridge Deployment `<name>-bridge` up with the
stable version and, once it is ready, removes the old strategy's objects (a release in flight
is given up: traffic stays on the stable version); the second brings the new strategy's
Deployments up beside the bridge, which keeps the traffic; the third moves the Services onto
them once they are ready at their full count and removes the bridge. No Deployment changes its
selector (none is replaced) and the service's ready pods never drop below its minimum. A
switch interrupted on the way is finished by running it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pulumi import automation as auto

from ..release_progress import bridged, landing, reconcile, running_strategy, settled
from ..release_state import ReleaseRef, ReleaseState, other_slot
from ..spec.catalog import load_catalog
from ..spec.errors import SpecError
from ..spec.service import ServiceSpec
from ..stack import StackSettings, automation_config, read_settings
from ..strategies import stable_release
from . import progress, stacks
from .prometheus import (
    DEFAULT_MIN_REQUESTS_PER_SECOND,
    Prometheus,
    PrometheusUnavailable,
    TrackHealth,
    judge,
)

# roll: a rolling service's new version; supersede: a release given up for a newer one (not a
# failure); verify: a judged roll-out recorded as delivered (deliver only).
Action = Literal["start", "step", "promote", "rollback", "flip", "roll", "supersede", "verify",
                 "switch"]


class ReleaseError(ValueError):
    """A release step that cannot be taken from the current state; the message says why."""


@dataclass(frozen=True)
class Step:
    """One release step: the state to write and the update message to run `up` with."""

    service: str
    action: Action
    state: ReleaseState
    version: str
    weight: int | None = None
    commit: str | None = None
    """The repository commit the step delivers (`--commit`), carried in the message so the
    catalog and DORA name it whatever backend keeps the history."""

    @property
    def message(self) -> str:
        text = f"slipway release {self.action} {self.service} {self.version}"
        if self.action == "step":
            text += f" weight={self.weight}"
        return f"{text} commit={self.commit}" if self.commit else text


# -- pure transitions ------------------------------------------------------------------------


def _state(state: ReleaseState | None) -> ReleaseState:
    return state if state is not None else ReleaseState()


def _refuse_rolling(spec: ServiceSpec, verb: str) -> None:
    if spec.release.strategy == "rolling":
        raise ReleaseError(
            f"{spec.name}: release.strategy is rolling, which has no steps to {verb}: change "
            "version and image in its service file and run `slipway up` (or set "
            "release.strategy to canary or blue-green)"
        )


def start(spec: ServiceSpec, state: ReleaseState | None, candidate: ReleaseRef) -> Step:
    """Begin a release of `candidate`: canary at the first step, blue-green in the idle slot."""
    _refuse_rolling(spec, "start")
    current = _state(state)
    if current.candidate is not None:
        raise ReleaseError(
            f"{spec.name}: a release of {current.candidate.version} is already under way "
            f"(weight {current.candidate_weight}); promote or roll it back first"
        )
    if spec.migration is not None and spec.migration.phase == "contract":
        raise ReleaseError(
            f"{spec.name}: migration.phase is contract: a destructive migration never ships "
            f"with a new version (the old one still reads what it drops); release "
            f"{candidate.version} with phase: expand, then run the contract step on its own"
        )
    # Pin the stable version, so editing the service file mid-release changes nothing.
    stable = stable_release(spec, state)
    if (candidate.version, candidate.image) == (stable.version, stable.image):
        raise ReleaseError(f"{spec.name}: {candidate.version} ({candidate.image}) is already "
                           "the stable version")
    if spec.release.strategy == "canary":
        first = spec.release.steps[0]
        if first == 100:
            return Step(spec.name, "start", ReleaseState(stable=candidate), candidate.version)
        return Step(spec.name, "start",
                    ReleaseState(stable=stable, candidate=candidate, weight=first),
                    candidate.version)
    return Step(spec.name, "start",
                ReleaseState(stable=stable, candidate=candidate, weight=0,
                             live=current.live_slot), candidate.version)


def promote(spec: ServiceSpec, state: ReleaseState | None) -> Step:
    """Canary: the next step (at 100 the candidate becomes stable). Blue-green: flip, then
    finish."""
    _refuse_rolling(spec, "promote")
    current = _state(state)
    candidate = current.candidate
    if candidate is None:
        raise ReleaseError(f"{spec.name}: no release under way to promote; start one with "
                           f"`slipway release start {spec.name} --version V --image DIGEST`")
    stable = stable_release(spec, current)
    if spec.release.strategy == "canary":
        later = [step for step in spec.release.steps if step > current.candidate_weight]
        weight = later[0] if later else 100
        if weight == 100:
            return Step(spec.name, "promote", ReleaseState(stable=candidate),
                        candidate.version)
        return Step(spec.name, "step",
                    ReleaseState(stable=stable, candidate=candidate, weight=weight),
                    candidate.version, weight)
    if current.candidate_weight == 100:
        return Step(spec.name, "promote", ReleaseState(stable=candidate, live=current.live_slot),
                    candidate.version)
    return Step(spec.name, "flip",
                ReleaseState(stable=stable, candidate=candidate, weight=100,
                             live=other_slot(current.live_slot)), candidate.version)


def rollback(spec: ServiceSpec, state: ReleaseState | None) -> Step:
    """Canary: weight 0 and the candidate removed. Blue-green: flip back, or drop the
    candidate from preview. The stable version is never touched."""
    if spec.release.strategy == "rolling" and state is not None and (
            state.candidate is not None or state.live is not None):
        # The file went back to rolling while blue-green or canary objects still run.
        raise ReleaseError(
            f"{spec.name}: its service file says rolling, but a live slot or a candidate is "
            f"still recorded: `slipway release switch {spec.name}` moves it to rolling and "
            "clears them without dropping below its ready minimum")
    _refuse_rolling(spec, "roll back")
    current = _state(state)
    candidate = current.candidate
    if candidate is None:
        raise ReleaseError(f"{spec.name}: no release under way to roll back")
    stable = stable_release(spec, current)
    if spec.release.strategy == "blue-green":
        if current.candidate_weight == 100:
            return Step(spec.name, "rollback",
                        ReleaseState(stable=stable, candidate=candidate, weight=0,
                                     live=other_slot(current.live_slot)), candidate.version)
        return Step(spec.name, "rollback", ReleaseState(stable=stable, live=current.live_slot),
                    candidate.version)
    return Step(spec.name, "rollback", ReleaseState(stable=stable), candidate.version)


def switch(spec: ServiceSpec, state: ReleaseState | None, running: str | None) -> list[Step]:
    """The updates that move a running service to the strategy its file names: onto the bridge,
    the new strategy's objects beside it, then without it (only what is left of a half-done
    switch)."""
    current = _state(state)
    stable = stable_release(spec, state)
    strategy = spec.release.strategy
    if current.switch is None:
        running = running_strategy(state, running)
        if running is None:
            raise ReleaseError(f"{spec.name}: not deployed on this stack (or deployed before "
                               f"its strategy was recorded): `slipway up` creates it as "
                               f"{strategy}")
        if running == strategy:
            raise ReleaseError(
                f"{spec.name}: already runs {strategy}; set release.strategy in its service "
                "file to the strategy to switch to (rolling, canary or blue-green), then run "
                "this again")
        current = bridged(spec, state)
        states = [current, landing(current), settled(current)]
    elif current.switch == "bridge":
        states = [landing(current), settled(current)]
    else:
        states = [settled(current)]
    return [Step(spec.name, "switch", step, stable.version) for step in states]


# -- the stack -------------------------------------------------------------------------------


@dataclass
class ReleaseTarget:
    """One service of one stack, with everything a release step needs."""

    stack: auto.Stack
    stack_name: str
    spec: ServiceSpec
    settings: StackSettings
    releases: dict[str, ReleaseState] = field(default_factory=dict)
    """The recorded progress of every service (the stack's `releases` output)."""
    recorded: progress.Recorded = field(default_factory=progress.Recorded)

    @property
    def state(self) -> ReleaseState | None:
        return self.releases.get(self.spec.name)

    @property
    def namespace(self) -> str:
        return self.settings.namespace_name


def stack_settings(stack: auto.Stack, stack_name: str) -> StackSettings:
    return read_settings(automation_config(stack), f"Pulumi.{stack_name}.yaml")


def load_specs(project_dir: Path, settings: StackSettings) -> dict[str, ServiceSpec]:
    catalog = load_catalog(project_dir / settings.catalog, settings.environment)
    return dict(catalog.services)


def target(stack_name: str, project_dir: Path, service: str) -> ReleaseTarget:
    stack = stacks.stack(stack_name, project_dir)
    settings = stack_settings(stack, stack_name)
    specs = load_specs(project_dir, settings)
    if service not in specs:
        raise ReleaseError(f"no service named {service!r} in {settings.catalog}/ (services: "
                           f"{', '.join(sorted(specs)) or 'none'})")
    recorded = progress.recorded(stack)
    return ReleaseTarget(stack, stack_name, specs[service], settings, dict(recorded.states),
                         recorded)


def version_changes(stack_name: str, project_dir: Path) -> list[str]:
    """What the next `up` does with each service whose file's version differs from what runs
    (release_progress.reconcile): one sentence per service, for the command's summary."""
    stack = stacks.stack(stack_name, project_dir)
    try:
        specs = load_specs(project_dir, stack_settings(stack, stack_name))
    except SpecError:
        return []  # the engine run reports the broken file, with its field
    recorded = progress.recorded(stack)
    notes = [reconcile(spec, recorded.states.get(name)).note
             for name, spec in sorted(specs.items())]
    return [note.replace("--stack STACK", f"--stack {stack_name}") for note in notes if note]


def run_step(stack: auto.Stack, stack_name: str, recorded: progress.Recorded, step: Step, *,
             on_output: Callable[[str], None] | None = None,
             policy: tuple[str, str] | None = None) -> stacks.StackRun:
    """One `up` that applies the step's state for its service (every other service keeps its
    recorded progress) and records the result in the backend."""
    # Every other service keeps exactly its recorded progress: one step moves one service.
    progress.hand_off(stack, recorded, {**recorded.states, step.service: step.state})
    result = stack.up(on_output=on_output, color="never", message=step.message,
                      policy_packs=[policy[0]] if policy else None,
                      policy_pack_configs=[policy[1]] if policy else None)
    progress.finish_migration(stack, recorded)
    run = stacks.StackRun(
        stack=stack_name,
        operation="up",
        changes=stacks.operation_counts(result.summary.resource_changes),
        outputs={key: value.value for key, value in result.outputs.items()},
    )
    progress.remember(recorded, run.outputs)
    return run


def apply(release: ReleaseTarget, step: Step,
          on_output: Callable[[str], None] | None = None) -> stacks.StackRun:
    """Apply the step in one `up` with its message; the target sees the recorded result."""
    run = run_step(release.stack, release.stack_name, release.recorded, step,
                   on_output=on_output)
    release.releases = dict(release.recorded.states)
    return run


def status(release: ReleaseTarget) -> dict[str, Any]:
    """The release as the stack config holds it, and what the last `up` deployed."""
    spec, state = release.spec, release.state
    stable = stable_release(spec, state)
    current = _state(state)
    deployed: Any = None
    try:
        outputs = release.stack.outputs()
        services = outputs["services"].value if "services" in outputs else {}
        deployed = services.get(spec.name, {}).get("release")
    except auto.errors.CommandError:
        deployed = None  # never deployed
    result: dict[str, Any] = {
        "service": spec.name,
        "stack": release.stack_name,
        "strategy": spec.release.strategy,
        "stable": {"version": stable.version, "image": stable.image,
                   "source": "recorded progress" if current.stable is not None
                   else "service file"},
        "desired": {"version": spec.version, "image": spec.image},
        "candidate": ({"version": current.candidate.version, "image": current.candidate.image}
                      if current.candidate else None),
        "weight": current.candidate_weight,
        "deployed": deployed,
    }
    if spec.release.strategy == "canary":
        result["steps"] = list(spec.release.steps)
    if current.switch is not None:
        result["switch"] = current.switch
    elif spec.release.strategy == "blue-green":
        result["live"] = current.live_slot
    result["running"] = release.recorded.running.get(spec.name)
    return result


# -- automatic canary ------------------------------------------------------------------------

Outcome = Literal["promoted", "rolled-back", "held"]


@dataclass
class AutoResult:
    """How an automatic canary ended, with every step and every judged health."""

    outcome: Outcome
    steps: list[str] = field(default_factory=list)
    health: list[dict[str, Any]] = field(default_factory=list)
    breaches: list[str] = field(default_factory=list)
    reason: str = ""
    runs: list[stacks.StackRun] = field(default_factory=list)


def run_auto(release: ReleaseTarget, prometheus: Prometheus, *, bake_seconds: float,
             window: str, on_output: Callable[[str], None] | None = None,
             on_event: Callable[[str], None] | None = None,
             sleep: Callable[[float], None] = time.sleep) -> AutoResult:
    """Bake, judge, promote, until the candidate is stable; roll back on a breach; hold (no
    promotion, no rollback) when Prometheus cannot answer or sees no traffic to judge."""
    spec = release.spec
    if spec.release.strategy != "canary":
        raise ReleaseError(f"{spec.name}: --auto drives canary steps; release.strategy is "
                           f"{spec.release.strategy}")
    if release.state is None or release.state.candidate is None:
        raise ReleaseError(f"{spec.name}: no canary under way for --auto to drive")
    say = on_event or (lambda _line: None)
    result = AutoResult(outcome="promoted")
    slo = spec.slo
    while True:
        state = release.state
        assert state is not None and state.candidate is not None
        weight = state.candidate_weight
        say(f"{spec.name}: canary {state.candidate.version} at {weight}%, baking "
            f"{bake_seconds:g}s")
        sleep(bake_seconds)
        try:
            health = prometheus.track_health(release.namespace, spec.name, "canary", window,
                                             slo.latency.percent)
        except PrometheusUnavailable as err:
            result.outcome, result.reason = "held", str(err)
            say(f"{spec.name}: holding at {weight}%: {err}")
            return result
        result.health.append(_health(weight, health))
        if health.requests_per_second < DEFAULT_MIN_REQUESTS_PER_SECOND:
            # Too little traffic to judge is not a breach either: hold, never promote blind.
            result.outcome = "held"
            result.reason = (f"canary had {health.requests_per_second:.2f} requests/s over "
                             f"{window}, below the {DEFAULT_MIN_REQUESTS_PER_SECOND:g} needed "
                             "to judge it: no promotion")
            say(f"{spec.name}: holding at {weight}%: {result.reason}")
            return result
        verdict = judge(health, slo)
        if not verdict.healthy:
            result.breaches = verdict.breaches
            step = rollback(spec, state)
            say(f"{spec.name}: SLO breached at {weight}%: {'; '.join(verdict.breaches)}; "
                "rolling back")
            result.runs.append(apply(release, step, on_output))
            result.steps.append(step.message)
            result.outcome = "rolled-back"
            return result
        step = promote(spec, state)
        say(f"{spec.name}: healthy at {weight}% ({_summary(health)}); {step.message}")
        result.runs.append(apply(release, step, on_output))
        result.steps.append(step.message)
        if step.action == "promote":
            return result


def _health(weight: int, health: TrackHealth) -> dict[str, Any]:
    return {"weight": weight, "requestsPerSecond": health.requests_per_second,
            "errorRate": health.error_rate, "latencyMs": health.latency_ms}


def _summary(health: TrackHealth) -> str:
    errors = "n/a" if health.error_rate is None else f"{health.error_rate * 100:.2f}% errors"
    latency = "n/a" if health.latency_ms is None else f"{health.latency_ms:.0f} ms"
    return f"{health.requests_per_second:.1f} req/s, {errors}, {latency}"
