"""Releases through the Automation API: each step is one `up` that records its progress.

A step is pure (`start`, `promote`, `rollback`: release state in, release state and update
message out), then `apply` hands the new state to the program for that run (tooling/progress.py)
and runs an ordinary `pulumi up`, which records it in the stack's `releases` output, carrying
the message `slipway release <action> <service> <version>`, so
`pulumi stack history` records every step. A step the engine fails is undone (`run_step`).
`run_auto` drives a canary through its steps, or a blue-green candidate through its preview
and flip, judging each against the service's SLO with Prometheus.

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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pulumi import automation as auto

from ..release_progress import bridged, landing, reconcile, running_strategy, settled
from ..release_state import ReleaseRef, ReleaseState, other_slot
from ..spec.catalog import load_catalog
from ..spec.errors import SpecError
from ..spec.service import ServiceSpec
from ..spec.slo import Slo
from ..stack import StackSettings, automation_config, read_settings, stack_file_settings
from ..strategies import stable_release
from ..synthetic_checks import target_url
from . import plans, previews, progress, stack_cli, stacks
from .plan import Plan
from .previews import PolicyPack
from .prometheus import (
    DEFAULT_MIN_REQUESTS_PER_SECOND,
    ProbeHealth,
    Prometheus,
    PrometheusUnavailable,
    TrackHealth,
    judge,
    probe_breach,
    probe_window,
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
    checked: Checked | None = None
    """Set where the guard runs (prod): every step applies the plan its preview checked."""
    outputs: Mapping[str, object] | None = None
    """The stack's outputs after the last step this target applied (None: read when needed)."""

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
    # From the stack file, as `slipway up` reads them: no `pulumi config` process.
    settings = stack_file_settings(project_dir, stack_name)
    specs = load_specs(project_dir, settings)
    if service not in specs:
        raise ReleaseError(f"no service named {service!r} in {settings.catalog}/ (services: "
                           f"{', '.join(sorted(specs)) or 'none'})")
    stack, recorded = stacks.stack_and_progress(stack_name, project_dir)
    return ReleaseTarget(stack, stack_name, specs[service], settings, dict(recorded.states),
                         recorded)


def version_changes(stack_name: str, project_dir: Path,
                    recorded: progress.Recorded | None = None) -> list[str]:
    """What the next `up` does with each service whose file's version differs from what runs
    (release_progress.reconcile): one sentence per service, for the command's summary.
    `recorded`: the stack's progress when the caller has read it already (read here if not)."""
    try:
        specs = load_specs(project_dir, stack_file_settings(project_dir, stack_name))
    except SpecError:
        return []  # the engine run reports the broken file, with its field
    if recorded is None:
        recorded = progress.recorded(stacks.stack(stack_name, project_dir))
    notes = [reconcile(spec, recorded.states.get(name)).note
             for name, spec in sorted(specs.items())]
    return [note.replace("--stack STACK", f"--stack {stack_name}") for note in notes if note]


class StepFailedError(RuntimeError):
    """The engine failed a release step; `restored` says whether the stack and its recorded
    progress were put back exactly as they were before the step."""

    def __init__(self, step: Step, failure: auto.errors.CommandError,
                 restore_failure: auto.errors.CommandError | None = None) -> None:
        self.step = step
        self.failure = failure
        self.restore_failure = restore_failure
        reason = _last_line(failure)
        if restore_failure is None:
            text = (f"the Pulumi engine failed on `{step.message}` ({reason}); the stack and its "
                    "recorded release progress were restored to what they were before the "
                    "step, so nothing changed: fix the cause and run the step again")
        else:
            text = (f"the Pulumi engine failed on `{step.message}` ({reason}) and restoring the "
                    f"stack failed too ({_last_line(restore_failure)}): the stack may be partly "
                    f"changed and its recorded progress may already hold the failed step; run "
                    f"`slipway release status {step.service}`, then `slipway up` once the "
                    "engine works again")
        super().__init__(text)

    @property
    def restored(self) -> bool:
        return self.restore_failure is None


def _last_line(error: Exception) -> str:
    """The engine's last error line (its full output was streamed already)."""
    lines = [line[line.index("error:"):].strip() for line in str(error).splitlines()
             if "error:" in line]
    return lines[-1] if lines else (str(error).strip().splitlines() or [type(error).__name__])[-1]


def restore_message(step: Step) -> str:
    """The update message of the run that undoes a failed step (not a release message, so
    the catalog and DORA never count it as a release or a rollback)."""
    return f"slipway restore after failed `{step.message}`"


@dataclass(frozen=True)
class Checked:
    """Run each step as a checked update plan, as guarded `slipway up` does (tooling/plans.py):
    preview the step with the policy pack saving Pulumi's update plan, then apply exactly that
    plan or nothing."""

    project_dir: Path
    policy: PolicyPack | None


class StepRefusedError(RuntimeError):
    """The checked preview of a step failed (program error or mandatory policy): nothing ran."""

    def __init__(self, step: Step, preview: Plan) -> None:
        self.step = step
        lines = [*preview.errors, *(f"[{v.level}] {v.rule}: {v.resource}"
                                    for v in preview.violations)]
        super().__init__(f"the preview of `{step.message}` failed, so nothing was applied:\n"
                         + "\n".join(f"- {line}" for line in lines))


def checked_preview(stack_name: str, checked: Checked, intent: dict[str, ReleaseState],
                    plan_file: Path, on_output: Callable[[str], None] | None) -> Plan:
    """The step's preview the policy pack judges; its update plan lands in plan_file."""
    return previews.plan(stack_name, checked.project_dir, checked.policy, on_output,
                         plan_file=plan_file, intent=intent)


def _up(stack: auto.Stack, stack_name: str, recorded: progress.Recorded, step: Step, *,
        intent: dict[str, ReleaseState], on_output: Callable[[str], None] | None,
        policy: tuple[str, str] | None) -> stacks.StackRun:
    progress.hand_off(stack, recorded, intent)
    updated = stack_cli.update(stack, on_output, message=step.message,
                               policy_packs=[policy[0]] if policy else (),
                               policy_pack_configs=[policy[1]] if policy else ())
    return stacks.StackRun.of_update(stack_name, updated)


def _up_checked(stack_name: str, step: Step, intent: dict[str, ReleaseState],
                checked: Checked, on_output: Callable[[str], None] | None) -> stacks.StackRun:
    with plans.plan_directory() as directory:
        plan_file = directory / plans.PLAN_FILE
        preview = checked_preview(stack_name, checked, intent, plan_file, on_output)
        if preview.failed:
            raise StepRefusedError(step, preview)
        return plans.apply(stack_name, checked.project_dir, plan_file, checked.policy,
                           on_output, intent=intent, message=step.message)


def run_step(stack: auto.Stack, stack_name: str, recorded: progress.Recorded, step: Step, *,
             on_output: Callable[[str], None] | None = None,
             policy: tuple[str, str] | None = None,
             checked: Checked | None = None) -> stacks.StackRun:
    """One `up` that applies the step's state for its service (every other service keeps its
    recorded progress) and records the result in the backend; with `checked`, the step is
    previewed with its policy pack first and exactly that plan is applied (PlanDriftError,
    StepRefusedError: nothing ran).

    Atomic: when the engine fails the update, the resources it applied before failing (and
    the `releases` output, which a failed update still records) are put back by a second
    update pinned to the progress recorded before the step; StepFailedError says whether that
    worked. A stack held by another update is not a failed step (nothing ran): its
    ConcurrentUpdateError passes through untouched."""
    if checked is not None and checked.policy is not None:
        policy = (str(checked.policy.path), str(checked.policy.config))
    # Every other service keeps exactly its recorded progress: one step moves one service.
    intent = {**recorded.states, step.service: step.state}
    try:
        if checked is None:
            run = _up(stack, stack_name, recorded, step, intent=intent, on_output=on_output,
                      policy=policy)
        else:
            run = _up_checked(stack_name, step, intent, checked, on_output)
    except auto.errors.ConcurrentUpdateError:
        raise
    except auto.errors.CommandError as failure:
        raise _restore(stack, recorded, step, failure, on_output=on_output,
                       packs=[policy[0]] if policy else None,
                       configs=[policy[1]] if policy else None) from failure
    if checked is None:
        progress.finish_migration(stack, recorded)
    else:  # plans.apply dropped the legacy key already (it read the progress itself)
        recorded.legacy_key, recorded.migrated = False, []
    progress.remember(recorded, run.outputs)
    return run


def _restore(stack: auto.Stack, recorded: progress.Recorded, step: Step,
             failure: auto.errors.CommandError, *, on_output: Callable[[str], None] | None,
             packs: list[str] | None, configs: list[str] | None) -> StepFailedError:
    """Put the stack back as it was before a failed step: every service pinned to the progress
    recorded before it (`recorded` is left as it was)."""
    progress.hand_off(stack, recorded, dict(recorded.states))
    try:
        stack_cli.update(stack, on_output, message=restore_message(step),
                         policy_packs=packs or (), policy_pack_configs=configs or ())
    except auto.errors.CommandError as restore_failure:
        return StepFailedError(step, failure, restore_failure)
    return StepFailedError(step, failure)


def apply(release: ReleaseTarget, step: Step,
          on_output: Callable[[str], None] | None = None) -> stacks.StackRun:
    """Apply the step in one `up` with its message; the target sees the recorded result."""
    run = run_step(release.stack, release.stack_name, release.recorded, step,
                   on_output=on_output, checked=release.checked)
    release.releases = dict(release.recorded.states)
    release.outputs = run.outputs
    return run


def status(release: ReleaseTarget) -> dict[str, Any]:
    """The release as the stack config holds it, and what the last `up` deployed."""
    spec, state = release.spec, release.state
    stable = stable_release(spec, state)
    current = _state(state)
    deployed: Any = None
    found = release.outputs if release.outputs is not None else progress.outputs(release.stack)
    services = found.get("services")  # {} when never deployed
    if isinstance(services, dict):
        deployed = (services.get(spec.name) or {}).get("release")
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


# -- automatic releases: canary steps, blue-green preview and flip -----------------------------

Outcome = Literal["promoted", "rolled-back", "held"]


@dataclass
class AutoResult:
    """How an automatic release ended, with every step and every judged health."""

    outcome: Outcome
    steps: list[str] = field(default_factory=list)
    health: list[dict[str, Any]] = field(default_factory=list)
    breaches: list[str] = field(default_factory=list)
    reason: str = ""
    runs: list[stacks.StackRun] = field(default_factory=list)


@dataclass(frozen=True)
class Gate:
    """Which metrics `track` a gate judges, and how it speaks of it."""

    track: str
    """The canary track, or a blue-green slot (its pods' metrics carry the slot as `track`)."""
    what: str
    """Human words: "canary at 5%", "idle slot green (preview)", "live slot green"."""


def gate(spec: ServiceSpec, state: ReleaseState) -> Gate:
    """What the next --auto gate judges. Blue-green: before the flip the idle slot, where the
    candidate answers through `<name>-preview`; after it the slot the candidate went live in."""
    if spec.release.strategy == "canary":
        return Gate("canary", f"canary at {state.candidate_weight}%")
    if state.candidate_weight == 100:
        return Gate(state.live_slot, f"live slot {state.live_slot} (flipped)")
    idle = other_slot(state.live_slot)
    return Gate(idle, f"idle slot {idle} (preview)")


Decision = Literal["promote", "rollback", "hold"]


def decide(health: TrackHealth, slo: Slo, window: str) -> tuple[Decision, list[str]]:
    """A gate's decision from what the track did: hold with too little traffic to judge (never
    promote blind), roll back on a breach of the SLO, else promote (canary: next step;
    blue-green: flip, then finish). The lines say why."""
    if health.requests_per_second < DEFAULT_MIN_REQUESTS_PER_SECOND:
        return "hold", [f"{health.track or 'track'} had {health.requests_per_second:.2f} "
                        f"requests/s over {window}, below the "
                        f"{DEFAULT_MIN_REQUESTS_PER_SECOND:g} needed to judge it: no promotion"]
    verdict = judge(health, slo)
    return ("promote", []) if verdict.healthy else ("rollback", verdict.breaches)


def run_auto(release: ReleaseTarget, prometheus: Prometheus, *, bake_seconds: float,
             window: str, on_output: Callable[[str], None] | None = None,
             on_event: Callable[[str], None] | None = None,
             sleep: Callable[[float], None] = time.sleep) -> AutoResult:
    """Bake, judge, promote, until the candidate is stable; roll back on a breach; hold (no
    promotion, no rollback) when Prometheus cannot answer or sees no traffic to judge.

    Canary: each step's canary track. Blue-green: the idle slot through its preview Service
    before the flip (a breach drops the candidate, never flipped); after the flip the slot gone
    live, observed for the bake time (a breach flips back at once, the candidate left in the
    idle slot for inspection; a pass finishes the release)."""
    spec = release.spec
    if spec.release.strategy == "rolling":
        raise ReleaseError(f"{spec.name}: --auto drives canary steps or a blue-green flip; "
                           "release.strategy is rolling")
    if release.state is None or release.state.candidate is None:
        raise ReleaseError(f"{spec.name}: no release under way for --auto to drive")
    say = on_event or (lambda _line: None)
    result = AutoResult(outcome="promoted")
    slo = spec.slo
    while True:
        state = release.state
        assert state is not None and state.candidate is not None
        judged = gate(spec, state)
        say(f"{spec.name}: {state.candidate.version} in the {judged.what}, baking "
            f"{bake_seconds:g}s")
        sleep(bake_seconds)
        try:
            health = prometheus.track_health(release.namespace, spec.name, judged.track, window,
                                             slo.latency.percent)
            probe = synthetic_check(release, prometheus, window)
        except PrometheusUnavailable as err:
            result.outcome, result.reason = "held", str(err)
            say(f"{spec.name}: holding, {judged.what}: {err}")
            return result
        result.health.append(_health(state, judged, health))
        decision, reasons = decide(health, slo, window)
        if probe is not None:
            result.health[-1]["probeSuccess"] = probe.success_ratio
        failing = probe_breach(probe) if probe is not None else None
        if failing is not None:
            # A failing synthetic check is a breach whatever the traffic says.
            reasons = [*(reasons if decision == "rollback" else []), failing]
            decision = "rollback"
        if decision == "hold":
            result.outcome, result.reason = "held", reasons[0]
            say(f"{spec.name}: holding, {judged.what}: {result.reason}")
            return result
        if decision == "rollback":
            result.breaches = reasons
            step = rollback(spec, state)
            say(f"{spec.name}: SLO breached, {judged.what}: {'; '.join(reasons)}; "
                f"{step.message}")
            result.runs.append(apply(release, step, on_output))
            result.steps.append(step.message)
            result.outcome = "rolled-back"
            return result
        if probe is not None and probe.success_ratio is None:
            result.outcome = "held"
            result.reason = (f"no synthetic check data (probe_success) for {probe.target} over "
                             f"{window}: no promotion")
            say(f"{spec.name}: holding, {judged.what}: {result.reason}")
            return result
        step = promote(spec, state)
        say(f"{spec.name}: healthy, {judged.what} ({_summary(health)}); {step.message}")
        result.runs.append(apply(release, step, on_output))
        result.steps.append(step.message)
        if step.action == "promote":
            return result


def synthetic_check(release: ReleaseTarget, prometheus: Prometheus,
                    window: str) -> ProbeHealth | None:
    """The synthetic check's success ratio over the gate's window (at least two probe
    intervals), for a public service in a stack with observability; None: it has none."""
    spec = release.spec
    check = spec.exposure.synthetic_check
    if check is None or not release.settings.to_environment().observability:
        return None
    ratio = prometheus.probe_success(release.namespace, spec.name,
                                     probe_window(window, check.interval))
    return ProbeHealth(ratio, check.min_success_ratio, target_url(spec))


def _health(state: ReleaseState, judged: Gate, health: TrackHealth) -> dict[str, Any]:
    return {"weight": state.candidate_weight, "track": judged.track,
            "requestsPerSecond": health.requests_per_second,
            "errorRate": health.error_rate, "latencyMs": health.latency_ms}


def _summary(health: TrackHealth) -> str:
    errors = "n/a" if health.error_rate is None else f"{health.error_rate * 100:.2f}% errors"
    latency = "n/a" if health.latency_ms is None else f"{health.latency_ms:.0f} ms"
    return f"{health.requests_per_second:.1f} req/s, {errors}, {latency}"
