"""`slipway deliver` against a real stack and a real Prometheus: the thin side of delivery.py.

Every decision is a pure function of delivery.py; this module reads the recorded progress,
applies each step as one `up` (tooling/releases.run_step: the update that moves the traffic
also records the progress), bakes, asks Prometheus, and repeats. The stack lock serialises
updates, so "in parallel" means that the releases of independent services are baked and judged
together, each step of each service still one update of its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pulumi import automation as auto

from ..release_state import ReleaseRef, ReleaseState
from ..spec.catalog import load_catalog
from ..spec.model import ServiceSpec
from ..stack import StackSettings
from ..stack.checks import major_refusal
from ..synthetic_checks import target_url
from . import delivery, progress, releases, stack_cli, stacks
from .delivery import Assessment, FreezeWindow, ServiceReport
from .prometheus import (
    ProbeHealth,
    Prometheus,
    PrometheusUnavailable,
    TrackHealth,
    probe_window,
)


class DeliverError(RuntimeError):
    """The run cannot go on (a stack lock that never frees, an engine failure)."""


@dataclass
class DeliverOptions:
    stack: str
    project_dir: Path
    prometheus: Prometheus
    commit: str | None = None
    parallel: int | None = None
    """Default: the stack's slipway:delivery.parallel."""
    bake_seconds: float | None = None
    """Default: each service's release.bakeSeconds."""
    window: str | None = None
    """Prometheus range each gate is judged over. Default: the bake time."""
    lock_timeout: float | None = None
    policy: tuple[str, str] | None = None
    """(policy pack directory, its config file) every update runs with; prod needs one."""
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    sleep: Callable[[float], None] = time.sleep
    say: Callable[[str], None] = lambda _line: None
    on_output: Callable[[str], None] | None = None


@dataclass
class _Run:
    options: DeliverOptions
    stack: auto.Stack
    recorded: progress.Recorded
    specs: dict[str, ServiceSpec]
    namespace: str
    lock_timeout: float
    sources: dict[str, str] = field(default_factory=dict)
    """Each service's file, for refusals."""
    observability: bool = True
    """Whether the stack has monitoring objects (so public services have a synthetic
    check whose probes each gate reads)."""
    reports: dict[str, ServiceReport] = field(default_factory=dict)
    updates: int = 0
    """Updates this run applied."""

    def state(self, name: str) -> ReleaseState:
        return self.recorded.states.get(name) or ReleaseState()

    def apply(self, step: releases.Step) -> None:
        """One update for the step, waiting with a bounded backoff while another holds the
        stack."""
        delays = delivery.backoff(self.lock_timeout)
        while True:
            try:
                run = releases.run_step(self.stack, self.options.stack, self.recorded, step,
                                        on_output=self.options.on_output,
                                        policy=self.options.policy)
                break
            except auto.errors.ConcurrentUpdateError:
                if not delays:
                    raise DeliverError(
                        f"stack {self.options.stack} stayed locked by another update for "
                        f"{self.lock_timeout:g}s; `{step.message}` was not applied") from None
                delay = delays.pop(0)
                self.options.say(f"stack {self.options.stack} is locked by another update; "
                                 f"waiting {delay:g}s")
                self.options.sleep(delay)
        self.updates += 1
        self.reports[step.service].steps.append(step.message)
        self.options.say(f"{step.message} ({run.summary()})")


def deliver(options: DeliverOptions) -> list[ServiceReport]:
    """Deliver every service whose file's version differs from what runs; one report each."""
    stack = stacks.stack(options.stack, options.project_dir)
    settings = releases.stack_settings(stack, options.stack)
    catalog = load_catalog(options.project_dir / settings.catalog, settings.environment)
    specs = dict(catalog.services)
    recorded = progress.recorded(stack)
    lock_timeout = (options.lock_timeout if options.lock_timeout is not None
                    else settings.delivery.lock_timeout_seconds)
    run = _Run(options, stack, recorded, specs, settings.namespace_name, lock_timeout,
               sources=dict(catalog.sources),
               observability=settings.to_environment().observability)
    if recorded.migrating:
        options.say(f"reading the release progress of {', '.join(recorded.migrated)} from "
                    f"{progress.LEGACY_KEY} in Pulumi.{options.stack}.yaml once; it moves into "
                    "the backend with the next update")
    now = options.now()
    assessments = {name: delivery.assess(spec, recorded.states.get(name))
                   for name, spec in sorted(specs.items())}
    for name, found in assessments.items():
        run.reports[name] = ServiceReport(
            service=name, strategy=specs[name].release.strategy,
            from_version=found.stable.version if found.stable else None,
            to_version=found.desired.version, reason=found.reason,
            result="failed-before" if found.need == "failed-before" else "nothing")
    # Read before any update: a stage before that cannot be read stops the run unchanged.
    upstream = _upstream(run, settings, assessments)
    if _new_services_refused(run, settings, assessments, upstream):
        return [run.reports[name] for name in sorted(run.reports)]
    _first_deployments(run, assessments)
    pending = {name for name, found in assessments.items() if found.has_work}
    bad = _callers_not_ready(run, assessments, pending)
    bad |= _stage_and_freeze(run, settings, assessments, pending, now, upstream=upstream)
    parallel = options.parallel if options.parallel is not None else settings.delivery.parallel
    active: dict[str, ReleaseRef | None] = {}
    while True:
        go, blocked = delivery.ready(specs, pending, bad)
        for name in go:
            if name in active or len(active) >= parallel:
                continue
            previous = run.state(name).stable
            started = _begin(run, assessments[name], name)
            if started:
                active[name] = previous
            else:
                pending.discard(name)
        if not active:
            for name, why in blocked.items():
                if name in pending:
                    run.reports[name].result = "waiting"
                    run.reports[name].reason = why
            break
        bake = options.bake_seconds if options.bake_seconds is not None else max(
            float(specs[name].release.bake_seconds) for name in active)
        options.say(f"baking {bake:g}s: {', '.join(sorted(active))}")
        options.sleep(bake)
        window = options.window or f"{max(1, round(bake))}s"
        for name in sorted(active):
            outcome = _judge(run, name, active[name], window)
            if outcome != "next":
                del active[name]
                pending.discard(name)
                if outcome != "delivered":
                    bad.add(name)
    if run.updates == 0:
        # No version to deliver: the checkout's other changes (config, scaling, ...) still go
        # out, so the pipeline needs no separate `slipway up`.
        _pinned_up(run, "slipway deliver: no version to deliver; other changes applied")
    return [run.reports[name] for name in sorted(run.reports)]


def _pinned_up(run: _Run, message: str) -> None:
    """One update with every recorded service pinned to its progress: it creates new services
    and applies every other change of the checkout, never a version change."""
    progress.hand_off(run.stack, run.recorded, dict(run.recorded.states))
    policy = run.options.policy
    updated = stack_cli.update(run.stack, run.options.on_output, message=message,
                               policy_packs=[policy[0]] if policy else (),
                               policy_pack_configs=[policy[1]] if policy else ())
    progress.finish_migration(run.stack, run.recorded)
    run.recorded.states = progress.exported(updated.outputs)
    run.updates += 1


def _first_deployments(run: _Run, assessments: dict[str, Assessment]) -> None:
    """Services the stack has never run are created at their file's version by one update."""
    new = sorted(name for name, found in assessments.items() if found.need == "first")
    if not new:
        return
    _pinned_up(run, f"slipway deliver: first deployment of {', '.join(new)}")
    for name in new:
        run.reports[name].result = "created"
        run.reports[name].reason = "first deployment at the file's version (not judged)"


def _callers_not_ready(run: _Run, assessments: dict[str, Assessment],
                       pending: set[str]) -> set[str]:
    """Refuse a new release whose major version a caller does not work with (the program
    would refuse its update anyway; refusing here names the callers and lets the other
    services go on). Returns the services refused."""
    refused: set[str] = set()
    for name in sorted(pending):
        found = assessments[name]
        if not found.starts_new_release:
            continue
        running = [ref.version for ref in (found.stable, found.desired) if ref is not None]
        refusal = major_refusal(run.specs, run.sources, name, running, run.recorded.states)
        if refusal is not None:
            run.reports[name].result = "refused"
            run.reports[name].reason = refusal
            refused.add(name)
    pending.difference_update(refused)
    return refused


def _upstream(run: _Run, settings: StackSettings,
              assessments: dict[str, Assessment]) -> dict[str, ReleaseState]:
    """The stage before's recorded progress (prod reads dev's), read once per run and only
    when a service is new here or starts a new release (the stage checks need it)."""
    after = settings.delivery.after
    if after is None or not any(found.need == "first" or found.starts_new_release
                                for found in assessments.values()):
        return {}
    # Read by name: a prod run must not create an empty dev stack that does not exist.
    return progress.recorded_elsewhere(stacks.workspace(run.options.project_dir),
                                       after).states


def _new_services_refused(run: _Run, settings: StackSettings,
                          assessments: dict[str, Assessment],
                          upstream: dict[str, ReleaseState]) -> bool:
    """In a stage after another (prod after dev), services this stack has never run must
    already run there at the same version (`upstream`: that stage's progress). Every update
    creates every service of the checkout, so one refused new service stops the whole run
    before any update."""
    after = settings.delivery.after
    new = sorted(name for name, found in assessments.items() if found.need == "first")
    if after is None or not new:
        return False
    refused = {}
    for name in new:
        refusal = delivery.new_service_refusal(name, assessments[name].desired,
                                               upstream_stack=after,
                                               upstream=upstream.get(name))
        if refusal is not None:
            refused[name] = refusal
    if not refused:
        return False
    for name, why in refused.items():
        run.reports[name].result = "refused"
        run.reports[name].reason = why
    for name, found in assessments.items():
        if name not in refused and (found.has_work or found.need == "first"):
            run.reports[name].result = "held"
            run.reports[name].reason = (
                f"not started: any update now would also create {', '.join(sorted(refused))}, "
                f"which {after} does not run yet")
    return True


def _stage_and_freeze(run: _Run, settings: StackSettings,
                      assessments: dict[str, Assessment], pending: set[str],
                      now: datetime, *, upstream: dict[str, ReleaseState]) -> set[str]:
    """Refuse what the stage before (its progress: `upstream`) has not verified; hold new
    releases in a freeze window. Returns the services refused or held (their callers
    wait)."""
    held: set[str] = set()
    after = settings.delivery.after
    windows = [FreezeWindow(w.start, w.end, w.reason) for w in settings.delivery.freeze]
    frozen = delivery.open_freeze(windows, now)
    for name in sorted(pending):
        found = assessments[name]
        if not found.starts_new_release:
            continue  # a release under way (or a revert) always goes on
        report = run.reports[name]
        if after is not None:
            refusal = delivery.stage_refusal(name, found.desired, upstream_stack=after,
                                             upstream=upstream.get(name),
                                             soak=settings.delivery.soak_time, now=now)
            if refusal is not None:
                report.reason = refusal
                report.result = "waiting" if delivery.still_soaking(refusal) else "refused"
                held.add(name)
                continue
        if frozen is not None:
            report.result = "frozen"
            report.reason = (f"freeze window until {frozen.end.isoformat()} ({frozen.reason}): "
                             "no new release starts")
            held.add(name)
    pending.difference_update(held)
    return held


def _begin(run: _Run, found: Assessment, name: str) -> bool:
    """Apply the updates that start the delivery; False when that already finished it."""
    spec = run.specs[name]
    steps = delivery.begin(spec, run.state(name), found, commit=run.options.commit,
                           now=run.options.now())
    for step in steps:
        run.apply(step)
    if found.need == "revert":
        run.reports[name].result = "reverted"
        return False
    return True


def _probe(run: _Run, spec: ServiceSpec, window: str) -> ProbeHealth | None:
    """The synthetic check's success ratio, for a public service that has one."""
    check = spec.exposure.synthetic_check
    if check is None or not run.observability:
        return None
    ratio = run.options.prometheus.probe_success(
        run.namespace, spec.name, probe_window(window, check.interval))
    return ProbeHealth(ratio, check.min_success_ratio, target_url(spec))


def _judge(run: _Run, name: str, previous: ReleaseRef | None, window: str) -> str:
    spec, state = run.specs[name], run.state(name)
    commit, now = run.options.commit, run.options.now()
    report = run.reports[name]
    if not delivery.needs_gate(spec, state) or delivery.passed_here(state):
        judged = delivery.skip_gate(spec, state, commit=commit, now=now)
    else:
        track = delivery.judged_track(spec, state)
        health: TrackHealth | None = None
        unavailable = None
        probe: ProbeHealth | None = None
        try:
            health = run.options.prometheus.track_health(run.namespace, name, track, window,
                                                         spec.slo.latency.percent)
            probe = _probe(run, spec, window)
        except PrometheusUnavailable as err:
            unavailable = str(err)
        judged = delivery.decide(spec, state, health=health, unavailable=unavailable,
                                 previous=previous, commit=commit, now=now, probe=probe)
    report.gates.append(judged.gate)
    run.options.say(f"{name}: gate at {judged.gate.weight}%: {judged.gate.verdict}"
                    + (f" ({'; '.join(judged.gate.reasons)})" if judged.gate.reasons else ""))
    if judged.step is not None:
        run.apply(judged.step)
    if judged.outcome == "delivered":
        report.result = "delivered"
    elif judged.outcome == "rolled-back":
        report.result = "rolled-back"
        report.reason = "; ".join(judged.gate.reasons)
    elif judged.outcome == "held":
        report.result = "held"
        report.reason = "; ".join(judged.gate.reasons)
    return judged.outcome
