"""`slipway deliver`'s decisions (tooling/delivery.py), called directly: what a service needs,
the order, each gate's consequence, resume, stages, freezes, backoff, exit code, summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pulumi.automation import errors
from pulumi.automation._cmd import CommandResult

from microservice_fixtures import IMAGE, spec
from slipway.release_state import Delivery, FailedRelease, Gate, ReleaseRef, ReleaseState
from slipway.tooling import deliver_run, delivery, progress, releases, stacks
from slipway.tooling.deliver_run import DeliverError
from slipway.tooling.delivery import FreezeWindow, ServiceReport
from slipway.tooling.prometheus import ProbeHealth, Prometheus, TrackHealth, probe_window
from slipway.tooling.stacks import StackRun

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
OLD = ReleaseRef(version="1.2.0", image="registry.example.com/team/api@sha256:" + "a" * 64)
NEW = ReleaseRef(version="1.2.3", image=IMAGE)
MID = ReleaseRef(version="1.2.1", image="registry.example.com/team/api@sha256:" + "c" * 64)
CANARY = spec(release={"strategy": "canary"})  # steps 1, 5, 25, 100; availability 99.9 default
BLUE_GREEN = spec(release={"strategy": "blue-green"})
ROLLING = spec()
HEALTHY = TrackHealth(requests_per_second=20, error_rate=0.0, latency_ms=80, track="canary")
FAILING = TrackHealth(requests_per_second=20, error_rate=0.05, latency_ms=80, track="canary")
QUIET = TrackHealth(requests_per_second=0.2, error_rate=0.0, latency_ms=80, track="canary")
SHA = "abcdef1234567"


def judge(service: object, state: ReleaseState, health: TrackHealth | None = HEALTHY,
          unavailable: str | None = None,
          previous: ReleaseRef | None = None) -> delivery.Judged:
    return delivery.decide(service, state, health=health,  # type: ignore[arg-type]
                           unavailable=unavailable, previous=previous, commit=SHA, now=NOW)


# -- assess ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("state", "need"), [
    (None, "first"),
    (ReleaseState(stable=NEW), "nothing"),
    (ReleaseState(stable=OLD), "start"),
    (ReleaseState(stable=OLD, candidate=NEW, weight=5), "continue"),
    (ReleaseState(stable=OLD, candidate=MID, weight=5), "supersede"),
    (ReleaseState(stable=NEW, candidate=MID, weight=5), "revert"),
    (ReleaseState(stable=OLD, failed=[FailedRelease(version="1.2.3", image=IMAGE)]),
     "failed-before"),
])
def test_assess_compares_the_file_with_the_recorded_progress(state: ReleaseState | None,
                                                             need: str) -> None:
    assert delivery.assess(CANARY, state).need == need


def test_a_failed_version_is_not_retried_and_says_why() -> None:
    state = ReleaseState(stable=OLD, failed=[FailedRelease(version="1.2.3", image=IMAGE,
                                                           reason="errors 5%")])
    found = delivery.assess(CANARY, state)
    assert not found.has_work
    assert "not retried until the service file changes" in found.reason


# -- order -------------------------------------------------------------------------------------

def test_callees_go_before_their_callers_and_independents_together() -> None:
    specs = {"web": spec(name="web", calls=["api"]), "api": spec(),
             "jobs": spec(name="jobs")}
    go, blocked = delivery.ready(specs, {"web", "api", "jobs"})
    assert go == ["api", "jobs"]
    assert blocked == {"web": "waits for api (callees first)"}
    assert delivery.ready(specs, {"web"})[0] == ["web"]


def test_a_caller_waits_when_its_callee_was_rolled_back() -> None:
    specs = {"web": spec(name="web", calls=["api"]), "api": spec()}
    go, blocked = delivery.ready(specs, {"web"}, settled_badly={"api"})
    assert go == []
    assert "its release did not finish" in blocked["web"]


# -- starting ----------------------------------------------------------------------------------

def test_canary_starts_at_its_first_step_with_the_commit_in_the_message() -> None:
    found = delivery.assess(CANARY, ReleaseState(stable=OLD))
    [step] = delivery.begin(CANARY, ReleaseState(stable=OLD), found, commit=SHA, now=NOW)
    assert step.message == f"slipway release start api 1.2.3 commit={SHA}"
    assert step.state.candidate_weight == 1
    assert step.state.candidate is not None and step.state.candidate.commit == SHA


def test_a_newer_bump_supersedes_then_starts() -> None:
    state = ReleaseState(stable=OLD, candidate=MID, weight=25)
    found = delivery.assess(CANARY, state)
    supersede, start = delivery.begin(CANARY, state, found, commit=SHA, now=NOW)
    assert supersede.message == f"slipway release supersede api 1.2.1 commit={SHA}"
    # Traffic back to stable first, the old release recorded as superseded (not failed).
    assert supersede.state.candidate is None and supersede.state.stable == OLD
    assert supersede.state.last is not None and supersede.state.last.result == "superseded"
    assert not supersede.state.failed
    assert start.state.candidate is not None and start.state.candidate.version == "1.2.3"
    assert start.state.candidate_weight == 1


def test_a_reverted_bump_rolls_back_in_one_update() -> None:
    reverted = spec(version="1.2.0", image=OLD.image, release={"strategy": "canary"})
    state = ReleaseState(stable=OLD, candidate=NEW, weight=25)
    [step] = delivery.begin(reverted, state, delivery.assess(reverted, state), commit=None,
                            now=NOW)
    assert step.action == "rollback"
    assert step.state.candidate is None and step.state.stable == OLD


def test_rolling_rolls_out_in_one_update() -> None:
    found = delivery.assess(ROLLING, ReleaseState(stable=OLD))
    [step] = delivery.begin(ROLLING, ReleaseState(stable=OLD), found, commit=None, now=NOW)
    assert step.message == "slipway release roll api 1.2.3"
    assert step.state.stable == NEW and step.state.candidate is None


# -- gates -------------------------------------------------------------------------------------

def test_a_passed_gate_moves_to_the_next_weight_and_records_its_figures() -> None:
    judged = judge(CANARY, ReleaseState(stable=OLD, candidate=NEW, weight=1))
    assert judged.outcome == "next"
    assert judged.step is not None and judged.step.state.candidate_weight == 5
    [gate] = judged.step.state.gates
    assert (gate.weight, gate.verdict, gate.error_rate, gate.latency_ms) == (1, "pass", 0.0, 80)


def test_the_last_gate_makes_the_candidate_stable_and_verified() -> None:
    passed = [Gate(weight=w, requests_per_second=20, verdict="pass") for w in (1, 5)]
    judged = judge(CANARY, ReleaseState(stable=OLD, candidate=NEW, weight=25, gates=passed))
    assert judged.outcome == "delivered"
    assert judged.step is not None and judged.step.action == "promote"
    state = judged.step.state
    assert state.stable == NEW and state.candidate is None and state.gates == []
    assert state.last == Delivery(version="1.2.3", image=IMAGE, result="delivered", at=NOW,
                                  verified=True)


def test_a_breach_rolls_back_and_records_the_version_as_failed() -> None:
    judged = judge(CANARY, ReleaseState(stable=OLD, candidate=NEW, weight=5), FAILING)
    assert judged.outcome == "rolled-back"
    assert judged.step is not None and judged.step.action == "rollback"
    state = judged.step.state
    assert state.stable == OLD and state.candidate is None
    [failed] = state.failed
    assert (failed.version, failed.image) == ("1.2.3", IMAGE)
    assert "canary error rate 5.00% > 0.10%" in failed.reason
    assert judged.gate.verdict == "breach"


@pytest.mark.parametrize(("health", "unavailable", "why"), [
    (QUIET, None, "below the 1 needed to judge"),
    (None, "Prometheus at http://p is unreachable", "unreachable"),
])
def test_too_little_data_or_no_prometheus_holds_without_a_step(
        health: TrackHealth | None, unavailable: str | None, why: str) -> None:
    judged = judge(CANARY, ReleaseState(stable=OLD, candidate=NEW, weight=5), health,
                   unavailable)
    assert (judged.outcome, judged.step) == ("held", None)
    assert judged.gate.verdict == "hold" and why in judged.gate.reasons[0]


def test_a_rolling_breach_rolls_the_previous_version_back() -> None:
    judged = judge(ROLLING, ReleaseState(stable=NEW), FAILING, previous=OLD)
    assert judged.step is not None and judged.step.action == "rollback"
    assert judged.step.state.stable == OLD
    assert judged.step.state.failed[0].version == "1.2.3"


def test_a_healthy_rolling_release_is_recorded_delivered() -> None:
    judged = judge(ROLLING, ReleaseState(stable=NEW), HEALTHY, previous=OLD)
    assert judged.outcome == "delivered"
    assert judged.step is not None and judged.step.action == "verify"
    assert judged.step.state.last is not None and judged.step.state.last.verified


def test_blue_green_flips_without_a_gate_then_judges_the_flipped_slot() -> None:
    preview = ReleaseState(stable=OLD, candidate=NEW, weight=0, live="blue")
    assert not delivery.needs_gate(BLUE_GREEN, preview)
    flipped = delivery.skip_gate(BLUE_GREEN, preview, commit=None, now=NOW)
    assert flipped.step is not None and flipped.step.action == "flip"
    state = flipped.step.state
    assert (state.live, state.candidate_weight) == ("green", 100)
    assert delivery.needs_gate(BLUE_GREEN, state)
    assert delivery.judged_track(BLUE_GREEN, state) == "green"
    done = judge(BLUE_GREEN, state)
    assert done.outcome == "delivered" and done.step is not None
    assert done.step.state.stable == NEW and done.step.state.live == "green"


def test_a_resumed_delivery_does_not_judge_a_passed_gate_again_nor_lower_the_weight() -> None:
    state = ReleaseState(stable=OLD, candidate=NEW, weight=5,
                         gates=[Gate(weight=1, requests_per_second=20, verdict="pass"),
                                Gate(weight=5, requests_per_second=20, verdict="pass")])
    assert delivery.passed_here(state)
    resumed = delivery.skip_gate(CANARY, state, commit=None, now=NOW)
    assert resumed.step is not None and resumed.step.state.candidate_weight == 25
    assert len(resumed.step.state.gates) == 2  # nothing judged twice
    assert not delivery.passed_here(ReleaseState(stable=OLD, candidate=NEW, weight=25,
                                                 gates=state.gates))


def test_the_canary_track_is_judged_and_rolling_judges_every_pod() -> None:
    assert delivery.judged_track(CANARY, ReleaseState(stable=OLD, candidate=NEW, weight=1)) \
        == "canary"
    assert delivery.judged_track(ROLLING, ReleaseState(stable=NEW)) is None


# -- stages, freezes, locks --------------------------------------------------------------------

def delivered(at: datetime, verified: bool = True, ref: ReleaseRef = NEW) -> ReleaseState:
    return ReleaseState(stable=ref, last=Delivery(version=ref.version, image=ref.image,
                                                  result="delivered", at=at,
                                                  verified=verified))


def refusal(upstream: ReleaseState | None, soak: timedelta = timedelta(hours=1)) -> str | None:
    return delivery.stage_refusal("api", NEW, upstream_stack="dev", upstream=upstream,
                                  soak=soak, now=NOW)


def test_prod_takes_a_version_delivered_verified_and_soaked_in_dev() -> None:
    assert refusal(delivered(NOW - timedelta(hours=2))) is None


@pytest.mark.parametrize(("upstream", "why"), [
    (None, "is not running in dev"),
    (ReleaseState(stable=OLD), "is not what runs in dev (1.2.0)"),
    (ReleaseState(stable=NEW), "was not delivered by `slipway deliver` in dev"),
    (delivered(NOW - timedelta(hours=2), verified=False), "without being judged healthy"),
    (delivered(NOW - timedelta(minutes=20)), "soaked in dev for 20m00s of the 1h00m"),
])
def test_prod_refuses_anything_else_with_the_reason(upstream: ReleaseState | None,
                                                    why: str) -> None:
    reason = refusal(upstream)
    assert reason is not None and why in reason
    # Only the soak is lifted by time alone (the run waits); the rest is refused.
    assert delivery.still_soaking(reason) == ("soaked" in why)


def new_here(upstream: ReleaseState | None) -> str | None:
    return delivery.new_service_refusal("api", NEW, upstream_stack="dev", upstream=upstream)


def test_a_new_service_is_created_in_prod_once_dev_runs_that_version() -> None:
    assert new_here(ReleaseState(stable=NEW)) is None  # a first deployment is never judged


@pytest.mark.parametrize(("upstream", "why"), [
    (None, "api is new here and not running in dev: deliver it there first"),
    (ReleaseState(stable=OLD), "api is new here at 1.2.3, but dev runs 1.2.0: deliver 1.2.3"),
    (ReleaseState(stable=NEW, candidate=MID, weight=5),
     "but dev runs 1.2.3 with a release under way"),
])
def test_a_new_service_is_refused_in_prod_until_dev_runs_it(upstream: ReleaseState | None,
                                                            why: str) -> None:
    reason = new_here(upstream)
    assert reason is not None and why in reason


def test_a_refused_new_service_stops_the_run_before_any_update(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every update creates every service of the checkout: no update may run at all."""
    dev = progress.Recorded(states={"api": ReleaseState(stable=OLD)})
    monkeypatch.setattr(stacks, "stack", lambda name, _dir: name)
    monkeypatch.setattr(progress, "recorded",
                        lambda stack: dev if stack == "dev" else progress.Recorded())
    monkeypatch.setattr(releases, "run_step", lambda *a, **k: pytest.fail("an update ran"))
    options = deliver_run.DeliverOptions(stack="prod", project_dir=Path("."),
                                         prometheus=Prometheus("http://p.invalid"))
    worker = spec(name="worker")
    prod = {"worker": ReleaseState(stable=OLD)}
    run = deliver_run._Run(options, stack="prod",  # type: ignore[arg-type]
                           recorded=progress.Recorded(states=prod),
                           specs={"api": ROLLING, "worker": worker}, namespace="ns",
                           lock_timeout=1)
    assessments = {"api": delivery.assess(ROLLING, None),
                   "worker": delivery.assess(worker, prod["worker"])}
    for name in assessments:
        run.reports[name] = ServiceReport(name, "rolling", None, "1.2.3")
    settings: Any = SimpleNamespace(delivery=SimpleNamespace(after="dev"))

    assert deliver_run._new_services_refused(run, settings, assessments, dev.states)
    assert run.reports["api"].result == "refused"
    assert "dev runs 1.2.0: deliver 1.2.3 there first" in run.reports["api"].reason
    assert run.reports["worker"].result == "held"
    assert "would also create api, which dev does not run yet" in run.reports["worker"].reason
    assert delivery.exit_code(run.reports.values()) == delivery.EXIT_FAILED

    dev.states["api"] = ReleaseState(stable=NEW)
    for name in assessments:
        run.reports[name] = ServiceReport(name, "rolling", None, "1.2.3")
    assert not deliver_run._new_services_refused(run, settings, assessments, dev.states)


def _prod_run(monkeypatch: pytest.MonkeyPatch, dev: progress.Recorded | None) -> tuple[
        deliver_run.DeliverOptions, list[str], list[str]]:
    """A prod run (after dev) with a new service `api` and a bump of `worker`; returns the
    options, the stacks whose progress was read (in order) and the updates applied. `dev`
    None: dev's progress cannot be read."""
    read: list[str] = []
    updates: list[str] = []

    def recorded(stack: str) -> progress.Recorded:
        read.append(stack)
        if stack == "prod":
            return progress.Recorded(states={"worker": ReleaseState(stable=OLD)})
        if dev is None:
            raise progress.ProgressUnreadableError("dev", errors.CommandError(CommandResult(
                stdout="", stderr="error: the backend is unreachable", code=255)))
        return dev

    settings: Any = SimpleNamespace(
        catalog="services", environment="prod", namespace_name="ns",
        to_environment=lambda: SimpleNamespace(observability=False),
        delivery=SimpleNamespace(after="dev", parallel=4, lock_timeout_seconds=1, freeze=[],
                                 soak_time=timedelta(hours=1)))
    catalog = SimpleNamespace(services={"api": ROLLING, "worker": spec(name="worker")},
                              sources={"api": "services/api.yaml",
                                       "worker": "services/worker.yaml"})

    def pinned_up(run: Any, message: str) -> None:
        updates.append(message)
        run.updates += 1

    monkeypatch.setattr(stacks, "stack", lambda name, _dir: name)
    monkeypatch.setattr(releases, "stack_settings", lambda *_a: settings)
    monkeypatch.setattr(deliver_run, "load_catalog", lambda *_a: catalog)
    monkeypatch.setattr(progress, "recorded", recorded)
    # The stage before is read by name (never selected, so never created).
    monkeypatch.setattr(stacks, "workspace", lambda _dir: "workspace")
    monkeypatch.setattr(progress, "recorded_elsewhere", lambda _workspace, name: recorded(name))
    monkeypatch.setattr(deliver_run, "_pinned_up", pinned_up)
    monkeypatch.setattr(releases, "run_step", lambda *_a, **_k: updates.append("step"))
    options = deliver_run.DeliverOptions(stack="prod", project_dir=Path("."),
                                         prometheus=Prometheus("http://p.invalid"),
                                         now=lambda: NOW)
    return options, read, updates


def test_a_prod_run_reads_the_stage_before_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both stage checks (a new service, a new release) use one read of dev's progress."""
    dev = progress.Recorded(states={"api": ReleaseState(stable=NEW)})
    options, read, updates = _prod_run(monkeypatch, dev)
    reports = {r.service: r for r in deliver_run.deliver(options)}
    assert read == ["prod", "dev"]
    assert reports["api"].result == "created"  # dev runs it: created here too
    assert reports["worker"].result == "refused"  # dev never delivered 1.2.3
    assert updates == ["slipway deliver: first deployment of api"]


def test_a_stage_before_that_cannot_be_read_stops_the_run_before_any_update(
        monkeypatch: pytest.MonkeyPatch) -> None:
    options, read, updates = _prod_run(monkeypatch, None)
    with pytest.raises(progress.ProgressUnreadableError, match="stack dev: its recorded"):
        deliver_run.deliver(options)
    assert read == ["prod", "dev"]
    assert updates == []


def test_a_freeze_window_is_open_only_between_its_start_and_end() -> None:
    window = FreezeWindow(NOW - timedelta(hours=1), NOW + timedelta(hours=1), "year end")
    assert delivery.open_freeze([window], NOW) == window
    assert delivery.open_freeze([window], NOW + timedelta(hours=1)) is None


def test_lock_backoff_doubles_is_capped_and_bounded() -> None:
    delays = delivery.backoff(100, first=2, cap=30)
    assert delays[:4] == [2, 4, 8, 16]
    assert max(delays) <= 30
    assert sum(delays) == pytest.approx(100)
    assert delivery.backoff(0) == []


# -- the report --------------------------------------------------------------------------------

def report(result: str) -> ServiceReport:
    return ServiceReport("api", "canary", "1.2.0", "1.2.3", result=result)  # type: ignore[arg-type]


@pytest.mark.parametrize(("results", "code"), [
    (["delivered", "nothing"], 0),
    (["delivered", "held"], 3),
    (["held", "rolled-back"], 1),
    (["refused"], 1),
    (["frozen"], 3),
])
def test_exit_code_says_the_worst_outcome(results: list[str], code: int) -> None:
    assert delivery.exit_code([report(r) for r in results]) == code


def test_summary_names_from_to_steps_and_the_figures_each_step_was_judged_on() -> None:
    r = report("rolled-back")
    r.steps = ["slipway release start api 1.2.3", "slipway release rollback api 1.2.3"]
    r.gates = [Gate(weight=1, requests_per_second=20, error_rate=0.05, latency_ms=80,
                    verdict="breach", reasons=["canary error rate 5.00% > 0.10%"])]
    text = delivery.markdown("dev", [r], SHA)
    assert text.startswith(f"## slipway deliver: dev at {SHA[:12]}")
    assert "| api | canary | 1.2.0 | 1.2.3 | rolled-back |" in text
    assert "- `slipway release rollback api 1.2.3`" in text
    assert "| 1% | 20.0 | 5.00% | 80 ms | - | breach | canary error rate 5.00% > 0.10% |" in text


# -- the thin side: a locked stack -------------------------------------------------------------

def _locked() -> Exception:
    return errors.ConcurrentUpdateError(CommandResult(
        stdout="", stderr="error: the stack is currently locked by 1 lock(s)", code=255))


def _run_with(monkeypatch: pytest.MonkeyPatch, failures: int, lock_timeout: float) -> tuple[
        Any, list[float], list[str]]:
    attempts = {"n": 0}

    def run_step(*_args: object, **_kwargs: object) -> StackRun:
        attempts["n"] += 1
        if attempts["n"] <= failures:
            raise _locked()
        return StackRun(stack="dev", operation="up")

    monkeypatch.setattr(releases, "run_step", run_step)
    slept: list[float] = []
    said: list[str] = []
    options = deliver_run.DeliverOptions(stack="dev", project_dir=Path("."),
                                         prometheus=Prometheus("http://p.invalid"),
                                         sleep=slept.append, say=said.append)
    run = deliver_run._Run(options, stack=None, recorded=progress.Recorded(),  # type: ignore
                           specs={"api": CANARY}, namespace="ns", lock_timeout=lock_timeout)
    run.reports["api"] = ServiceReport("api", "canary", "1.2.0", "1.2.3")
    return run, slept, said


def test_a_locked_stack_is_waited_for_with_a_bounded_backoff(
        monkeypatch: pytest.MonkeyPatch) -> None:
    run, slept, said = _run_with(monkeypatch, failures=2, lock_timeout=60)
    step = delivery.begin(CANARY, ReleaseState(stable=OLD),
                          delivery.assess(CANARY, ReleaseState(stable=OLD)), commit=None,
                          now=NOW)[0]
    run.apply(step)
    assert slept == [2, 4]
    assert "stack dev is locked by another update; waiting 2s" in said
    assert run.reports["api"].steps == [step.message]


def test_a_stack_that_stays_locked_fails_naming_the_step(monkeypatch: pytest.MonkeyPatch) -> None:
    run, slept, _ = _run_with(monkeypatch, failures=100, lock_timeout=10)
    step = delivery.begin(CANARY, ReleaseState(stable=OLD),
                          delivery.assess(CANARY, ReleaseState(stable=OLD)), commit=None,
                          now=NOW)[0]
    with pytest.raises(DeliverError, match=r"stayed locked by another update for 10s; "
                       r"`slipway release start api 1\.2\.3` was not applied"):
        run.apply(step)
    assert sum(slept) == pytest.approx(10)


# -- the synthetic check of a public service ---------------------------------------------------

def probe(ratio: float | None) -> ProbeHealth:
    return ProbeHealth(ratio, 0.95, "https://shop.example.com/")


def test_a_failing_synthetic_check_rolls_back_even_with_healthy_traffic() -> None:
    judged = delivery.decide(CANARY, ReleaseState(stable=OLD, candidate=NEW, weight=5),
                             health=HEALTHY, unavailable=None, previous=None, commit=SHA,
                             now=NOW, probe=probe(0.5))
    assert judged.outcome == "rolled-back"
    assert judged.gate.reasons == ["synthetic check of https://shop.example.com/: 50.00% of "
                                   "probes succeeded < 95.00% required"]
    assert judged.gate.probe_success == 0.5


def test_no_probe_data_holds_and_is_never_a_pass() -> None:
    judged = delivery.decide(CANARY, ReleaseState(stable=OLD, candidate=NEW, weight=5),
                             health=HEALTHY, unavailable=None, previous=None, commit=SHA,
                             now=NOW, probe=probe(None))
    assert (judged.outcome, judged.step, judged.gate.verdict) == ("held", None, "hold")
    assert "no synthetic check data (probe_success) for https://shop.example.com/" in \
        judged.gate.reasons[0]


def test_a_passing_synthetic_check_is_recorded_with_the_gate() -> None:
    judged = delivery.decide(CANARY, ReleaseState(stable=OLD, candidate=NEW, weight=5),
                             health=HEALTHY, unavailable=None, previous=None, commit=SHA,
                             now=NOW, probe=probe(1.0))
    assert judged.outcome == "next"
    assert judged.gate.verdict == "pass" and judged.gate.probe_success == 1.0


def test_a_slo_breach_rolls_back_whatever_the_probe_says() -> None:
    judged = delivery.decide(CANARY, ReleaseState(stable=OLD, candidate=NEW, weight=5),
                             health=FAILING, unavailable=None, previous=None, commit=SHA,
                             now=NOW, probe=probe(None))
    assert judged.outcome == "rolled-back"


def test_probes_are_read_over_at_least_two_probe_intervals() -> None:
    assert probe_window("10s", "30s") == "60s"
    assert probe_window("5m", "30s") == "300s"
    assert probe_window("1m30s", "1m") == "120s"
