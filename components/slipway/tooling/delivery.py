"""`slipway deliver`'s decisions, as pure functions: what each service needs, in which order,
what a gate's verdict does to a release, whether a stage may receive a version, and the
Markdown summary. The engine and Prometheus side is in tooling/deliver_run.py.

A service needs a delivery when the version its file asks for (desired) differs from what runs
(stable) and is not a version already rolled back. Its strategy then runs to the end:

- rolling: one update rolls it out, then the service is judged over a bake; a breach rolls the
  previous version back;
- canary: each weight in `release.steps` is baked and judged on the canary track; a pass moves
  to the next weight (100: the candidate becomes stable), a breach rolls back;
- blue-green: the candidate starts in the idle slot (no traffic, nothing to judge), traffic
  flips to it, the flipped slot is judged, and a pass finishes the release (the old slot goes).

Too little traffic or data is a HOLD: nothing promoted, nothing rolled back, the next run
judges the same step again. A gate already passed (recorded in the progress) is never judged
again and a weight never goes down, so a delivery killed anywhere resumes where it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from ..release_progress import desired, first_step, without_candidate
from ..release_state import Delivery, FailedRelease, Gate, ReleaseRef, ReleaseState
from ..spec.model import ServiceSpec
from .prometheus import (
    DEFAULT_MIN_REQUESTS_PER_SECOND,
    ProbeHealth,
    TrackHealth,
    judge,
    probe_breach,
)
from .releases import Step

COMMIT_PATTERN = re.compile(r"^[0-9a-f]{7,40}$")
Need = Literal["nothing", "first", "failed-before", "start", "continue", "supersede", "revert"]


@dataclass(frozen=True)
class Assessment:
    """What one service needs from this run."""

    service: str
    need: Need
    desired: ReleaseRef
    stable: ReleaseRef | None
    candidate: ReleaseRef | None
    reason: str = ""

    @property
    def has_work(self) -> bool:
        return self.need in ("start", "continue", "supersede", "revert")

    @property
    def starts_new_release(self) -> bool:
        return self.need in ("start", "supersede")


def assess(spec: ServiceSpec, state: ReleaseState | None) -> Assessment:
    """Compare the desired version with the recorded progress."""
    want = desired(spec)
    current = state if state is not None else ReleaseState()
    stable, candidate = current.stable, current.candidate

    def result(need: Need, reason: str = "") -> Assessment:
        return Assessment(spec.name, need, want, stable, candidate, reason)

    if stable is None:
        return result("first", "never deployed: `slipway up` creates it at its file's version")
    if want.same(stable):
        if candidate is not None:
            return result("revert", f"the file is back at {stable.version}: the release of "
                          f"{candidate.version} is rolled back")
        return result("nothing")
    if candidate is not None and want.same(candidate):
        return result("continue")
    failure = current.failed_release(want)
    if failure is not None:
        return result("failed-before", f"{want.version} was rolled back"
                      f"{': ' + failure.reason if failure.reason else ''}; it is not retried "
                      "until the service file changes")
    if candidate is not None:
        return result("supersede", f"{want.version} supersedes {candidate.version}")
    return result("start")


# -- order -----------------------------------------------------------------------------------


def ready(specs: Mapping[str, ServiceSpec], pending: Iterable[str],
          settled_badly: Iterable[str] = ()) -> tuple[list[str], dict[str, str]]:
    """Which pending services may go now (none of their callees is still pending), sorted, and
    which wait for what. A service whose callee was rolled back or held waits for the next run:
    its new version may need the callee's."""
    waiting = set(pending)
    bad = set(settled_badly)
    go: list[str] = []
    blocked: dict[str, str] = {}
    for name in sorted(waiting):
        spec = specs[name]
        busy = [callee for callee in spec.callees if callee in waiting]
        broken = [callee for callee in spec.callees if callee in bad]
        if broken:
            blocked[name] = (f"waits for {', '.join(broken)} (its release did not finish in "
                             "this run)")
        elif busy:
            blocked[name] = f"waits for {', '.join(busy)} (callees first)"
        else:
            go.append(name)
    return go, blocked


# -- the first update of a delivery, and what a gate does ------------------------------------


def with_commit(ref: ReleaseRef, commit: str | None) -> ReleaseRef:
    return ref.model_copy(update={"commit": commit}) if commit else ref


def begin(spec: ServiceSpec, state: ReleaseState, assessment: Assessment, *,
          commit: str | None, now: datetime) -> list[Step]:
    """The updates that start this delivery: revert, supersede then start, start, or a
    rolling roll-out. `continue` needs none (the gate is next)."""
    want = with_commit(assessment.desired, commit)
    steps: list[Step] = []
    if assessment.need == "revert":
        assert state.candidate is not None
        back = without_candidate(state)
        back = back.model_copy(update={"last": Delivery(
            version=state.candidate.version, image=state.candidate.image, result="rolled-back",
            at=now, commit=commit)})
        return [Step(spec.name, "rollback", back, state.candidate.version, commit=commit)]
    if assessment.need == "supersede":
        assert state.candidate is not None
        old = state.candidate
        state = without_candidate(state).model_copy(update={"last": Delivery(
            version=old.version, image=old.image, result="superseded", at=now,
            commit=old.commit)})
        steps.append(Step(spec.name, "supersede", state, old.version, commit=commit))
    if assessment.need not in ("start", "supersede"):
        return steps
    stable = state.stable
    assert stable is not None
    if spec.release.strategy == "rolling":
        rolled = state.model_copy(update={"stable": want, "candidate": None, "weight": None,
                                          "gates": []})
        steps.append(Step(spec.name, "roll", rolled, want.version, commit=commit))
        return steps
    started = first_step(spec, stable, want, state)
    if spec.release.strategy == "canary" and started.candidate_weight >= 100:
        # A single step of 100: the candidate is stable at once, judged like a rolling one.
        started = started.model_copy(update={"stable": want, "candidate": None, "weight": None})
    steps.append(Step(spec.name, "start", started, want.version,
                      weight=started.weight if spec.release.strategy == "canary" else None,
                      commit=commit))
    return steps


@dataclass(frozen=True)
class Judged:
    """Where a judged release goes next."""

    step: Step | None
    """The update to apply; None when the release holds where it is."""
    outcome: Literal["next", "delivered", "rolled-back", "held"]
    gate: Gate


def gate_record(weight: int, health: TrackHealth | None, verdict: str,
                reasons: Sequence[str], probe: ProbeHealth | None = None) -> Gate:
    return Gate(weight=weight,
                requests_per_second=health.requests_per_second if health else 0.0,
                error_rate=health.error_rate if health else None,
                latency_ms=health.latency_ms if health else None,
                probe_success=probe.success_ratio if probe else None,
                verdict=verdict, reasons=list(reasons))


def judged_track(spec: ServiceSpec, state: ReleaseState) -> str | None:
    """The metrics track a gate judges: the canary track, the slot the candidate was flipped
    to, or every pod of a rolling service (None)."""
    if spec.release.strategy == "canary" and state.candidate is not None:
        return "canary"
    if spec.release.strategy == "blue-green" and state.candidate is not None:
        return state.live_slot
    return None


def needs_gate(spec: ServiceSpec, state: ReleaseState) -> bool:
    """A blue-green candidate in preview takes no traffic: it flips without a gate."""
    return not (spec.release.strategy == "blue-green" and state.candidate is not None
                and state.candidate_weight == 0)


def passed_here(state: ReleaseState) -> bool:
    """This step's gate already passed (recorded): a resumed run does not judge it again."""
    return any(g.verdict == "pass" and g.weight == state.candidate_weight for g in state.gates)


def decide(spec: ServiceSpec, state: ReleaseState, *, health: TrackHealth | None,
           unavailable: str | None, previous: ReleaseRef | None, commit: str | None,
           now: datetime, probe: ProbeHealth | None = None,
           min_requests_per_second: float = DEFAULT_MIN_REQUESTS_PER_SECOND) -> Judged:
    """A gate's verdict on the current step, and the update it leads to.

    `state` is the recorded progress after the step was applied; `previous` is the version a
    rolling roll-out replaced (what a breach rolls back to); `probe` is the synthetic check of
    a public service (None: it has none). Pass: the next weight, the flip, or the end.
    Breach: roll back and record the version as failed. Hold: nothing."""
    weight = state.candidate_weight if state.candidate is not None else 100
    if unavailable is not None:
        return Judged(None, "held", gate_record(weight, None, "hold", [unavailable], probe))
    assert health is not None
    if health.requests_per_second < min_requests_per_second:
        reason = (f"{health.requests_per_second:.2f} requests/s, below the "
                  f"{min_requests_per_second:g} needed to judge: hold, never a pass")
        return Judged(None, "held", gate_record(weight, health, "hold", [reason], probe))
    verdict = judge(health, spec.slo, min_requests_per_second)
    breaches = list(verdict.breaches)
    failing = probe_breach(probe) if probe is not None else None
    if failing is not None:
        breaches.append(failing)
    if breaches:
        gate = gate_record(weight, health, "breach", breaches, probe)
        return Judged(_roll_back(spec, state, gate, previous=previous, commit=commit, now=now),
                      "rolled-back", gate)
    if probe is not None and probe.success_ratio is None:
        # The service has a synthetic check but no probe reported: not judged, so no pass.
        reason = (f"no synthetic check data (probe_success) for {probe.target} over the "
                  "window: hold, never a pass")
        return Judged(None, "held", gate_record(weight, health, "hold", [reason], probe))
    gate = gate_record(weight, health, "pass", [], probe)
    return _advance(spec, state, gate, commit=commit, now=now)


def skip_gate(spec: ServiceSpec, state: ReleaseState, *, commit: str | None,
              now: datetime) -> Judged:
    """Advance without judging: a blue-green preview, or a gate already passed."""
    weight = state.candidate_weight
    recorded = next((g for g in state.gates if g.weight == weight and g.verdict == "pass"),
                    None)
    gate = recorded or Gate(weight=weight, requests_per_second=0.0, verdict="pass",
                            reasons=["no traffic in preview: flipped without a gate"])
    return _advance(spec, state, gate, commit=commit, now=now, record=recorded is None)


def _advance(spec: ServiceSpec, state: ReleaseState, gate: Gate, *, commit: str | None,
             now: datetime, record: bool = True) -> Judged:
    candidate = state.candidate
    gates = [*state.gates, gate] if record and gate.verdict == "pass" else list(state.gates)
    if candidate is None:
        # Rolling (or a canary with a single step of 100): judged after the roll-out; done.
        stable = state.stable
        assert stable is not None
        done = state.model_copy(update={"gates": [], "last": _delivered(stable, gates, now)})
        return Judged(Step(spec.name, "verify", done, stable.version, commit=commit),
                      "delivered", gate)
    verified = [*gates]
    if spec.release.strategy == "canary":
        later = [w for w in spec.release.steps if w > state.candidate_weight]
        weight = later[0] if later else 100
        if weight < 100:
            moved = state.model_copy(update={"weight": weight, "gates": gates})
            return Judged(Step(spec.name, "step", moved, candidate.version, weight=weight,
                               commit=commit), "next", gate)
        done = state.model_copy(update={"stable": candidate, "candidate": None,
                                        "weight": None, "gates": [],
                                        "last": _delivered(candidate, verified, now)})
        return Judged(Step(spec.name, "promote", done, candidate.version, commit=commit),
                      "delivered", gate)
    if state.candidate_weight == 0:
        live = "green" if state.live_slot == "blue" else "blue"
        flipped = state.model_copy(update={"weight": 100, "live": live, "gates": gates})
        return Judged(Step(spec.name, "flip", flipped, candidate.version, commit=commit),
                      "next", gate)
    done = state.model_copy(update={"stable": candidate, "candidate": None, "weight": None,
                                    "gates": [], "last": _delivered(candidate, verified, now)})
    return Judged(Step(spec.name, "promote", done, candidate.version, commit=commit),
                  "delivered", gate)


def _delivered(ref: ReleaseRef, gates: Sequence[Gate], now: datetime) -> Delivery:
    judged = [g for g in gates if g.requests_per_second > 0]
    return Delivery(version=ref.version, image=ref.image, result="delivered", at=now,
                    verified=bool(judged) and all(g.verdict == "pass" for g in judged),
                    commit=ref.commit)


def _roll_back(spec: ServiceSpec, state: ReleaseState, gate: Gate, *,
               previous: ReleaseRef | None, commit: str | None, now: datetime) -> Step:
    reason = "; ".join(gate.reasons)
    bad = state.candidate if state.candidate is not None else state.stable
    assert bad is not None
    failed = [*state.failed, FailedRelease(version=bad.version, image=bad.image, reason=reason)]
    last = Delivery(version=bad.version, image=bad.image, result="rolled-back", at=now,
                    commit=bad.commit)
    if state.candidate is not None:
        back = without_candidate(state)
    else:
        # Rolling: the previous version rolls out again.
        assert previous is not None
        back = state.model_copy(update={"stable": previous})
    back = back.model_copy(update={"failed": failed, "last": last, "gates": []})
    return Step(spec.name, "rollback", back, bad.version, commit=commit)


# -- stages and freeze windows ---------------------------------------------------------------


@dataclass(frozen=True)
class FreezeWindow:
    start: datetime
    end: datetime
    reason: str


def open_freeze(windows: Iterable[FreezeWindow], now: datetime) -> FreezeWindow | None:
    return next((w for w in windows if w.start <= now < w.end), None)


def stage_refusal(service: str, want: ReleaseRef, *, upstream_stack: str,
                  upstream: ReleaseState | None, soak: timedelta, now: datetime) -> str | None:
    """Why this stage may not receive `want` yet (None: it may). It must run as stable in the
    upstream stage, delivered there with every gate passed, for at least `soak`.
    `still_soaking` tells a refusal that time alone will lift."""
    if upstream is None or upstream.stable is None:
        return (f"{service} {want.version} is not running in {upstream_stack}: deliver it "
                f"there first (`slipway deliver --stack {upstream_stack}`)")
    if not want.same(upstream.stable):
        return (f"{service} {want.version} is not what runs in {upstream_stack} "
                f"({upstream.stable.version}); deliver it there first")
    last = upstream.last
    if last is None or (last.version, last.image) != (want.version, want.image) or \
            last.result != "delivered":
        return (f"{service} {want.version} was not delivered by `slipway deliver` in "
                f"{upstream_stack} (no judged delivery recorded)")
    if not last.verified:
        return (f"{service} {want.version} was delivered in {upstream_stack} without being "
                "judged healthy against its SLO")
    soaked = now - last.at
    if soaked < soak:
        return (f"{service} {want.version} has soaked in {upstream_stack} for "
                f"{_span(soaked)} of the {_span(soak)} required{SOAKING}")
    return None


SOAKING = "; run deliver again once it has"


def new_service_refusal(service: str, want: ReleaseRef, *, upstream_stack: str,
                        upstream: ReleaseState | None) -> str | None:
    """Why a service this stage has never run may not be created here yet (None: it may).

    A first deployment is not judged anywhere (nothing runs before it to compare with), so the
    stage only asks that the stage before runs that very version as its stable one."""
    if upstream is None or upstream.stable is None:
        return (f"{service} is new here and not running in {upstream_stack}: deliver it there "
                f"first (`slipway deliver --stack {upstream_stack}`)")
    if not want.same(upstream.stable) or upstream.candidate is not None:
        running = upstream.stable.version
        return (f"{service} is new here at {want.version}, but {upstream_stack} runs "
                f"{running}{' with a release under way' if upstream.candidate else ''}: "
                f"deliver {want.version} there first")
    return None


def still_soaking(refusal: str) -> bool:
    """A refusal only time lifts: the next run (e.g. the scheduled one) delivers it."""
    return refusal.endswith(SOAKING)


def _span(value: timedelta) -> str:
    seconds = max(0, round(value.total_seconds()))
    if seconds >= 3600:
        return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


# -- locked stacks ---------------------------------------------------------------------------


def backoff(max_wait: float, first: float = 2.0, cap: float = 30.0) -> list[float]:
    """Delays between attempts on a locked stack: doubling from `first`, each at most `cap`,
    adding up to at most `max_wait` seconds."""
    delays: list[float] = []
    delay = first
    while sum(delays) + min(delay, cap) <= max_wait:
        delays.append(min(delay, cap))
        delay *= 2
    remaining = max_wait - sum(delays)
    if remaining > 0.5:
        delays.append(remaining)
    return delays


# -- the report ------------------------------------------------------------------------------

Result = Literal["delivered", "rolled-back", "held", "nothing", "failed-before", "refused",
                 "waiting", "frozen", "error", "reverted", "created"]


@dataclass
class ServiceReport:
    """What happened to one service in this run."""

    service: str
    strategy: str
    from_version: str | None
    to_version: str
    result: Result = "nothing"
    reason: str = ""
    steps: list[str] = field(default_factory=list)
    gates: list[Gate] = field(default_factory=list)


EXIT_OK, EXIT_FAILED, EXIT_HELD = 0, 1, 3


def exit_code(reports: Iterable[ServiceReport]) -> int:
    """1 when anything was rolled back, refused or failed; 3 when something held or waits;
    0 when every service is delivered or had nothing to do."""
    results = {r.result for r in reports}
    if results & {"rolled-back", "refused", "error"}:
        return EXIT_FAILED
    if results & {"held", "waiting", "frozen"}:
        return EXIT_HELD
    return EXIT_OK


def _figure(value: float | None, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "errors":
        return f"{value * 100:.2f}%"
    return "above the largest bucket" if value == float("inf") else f"{value:.0f} ms"


def markdown(stack: str, reports: Sequence[ServiceReport], commit: str | None) -> str:
    """The run's summary: one table of services, then each delivery's steps and gate figures."""
    head = f"## slipway deliver: {stack}"
    if commit:
        head += f" at {commit[:12]}"
    lines = [head, "", "| service | strategy | from | to | result | note |",
             "|---|---|---|---|---|---|"]
    for r in reports:
        note = r.reason.replace("|", "\\|")
        lines.append(f"| {r.service} | {r.strategy} | {r.from_version or '-'} | {r.to_version} "
                     f"| {r.result} | {note} |")
    for r in reports:
        if not r.steps and not r.gates:
            continue
        lines += ["", f"### {r.service}: {r.from_version or '-'} -> {r.to_version} ({r.result})",
                  ""]
        lines += [f"- `{step}`" for step in r.steps]
        if r.gates:
            lines += ["", "| weight | requests/s | errors | latency | probes ok | verdict | why |",
                      "|---|---|---|---|---|---|---|"]
            for g in r.gates:
                why = "; ".join(g.reasons).replace("|", "\\|")
                lines.append(f"| {g.weight}% | {g.requests_per_second:.1f} | "
                             f"{_figure(g.error_rate, 'errors')} | "
                             f"{_figure(g.latency_ms, 'latency')} | "
                             f"{_figure(g.probe_success, 'errors')} | {g.verdict} | {why} |")
    return "\n".join(lines) + "\n"
