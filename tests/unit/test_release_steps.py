"""Release steps (pure): start, promote, rollback for canary and blue-green; update messages;
the release state in stack settings."""

from __future__ import annotations

from typing import Any, cast

import pytest
from pulumi import automation as auto
from pulumi.automation._cmd import CommandResult
from stack_fixtures import settings_from

from microservice_fixtures import IMAGE, spec
from slipway.release_state import ReleaseRef, ReleaseState
from slipway.spec import SpecError
from slipway.spec.catalog import Catalog
from slipway.stack import check_releases
from slipway.tooling import progress, releases, stack_cli
from slipway.tooling.history import parse_release
from slipway.tooling.prometheus import Prometheus, PrometheusUnavailable, TrackHealth
from slipway.tooling.releases import (
    ReleaseError,
    ReleaseTarget,
    Step,
    promote,
    rollback,
    run_auto,
    start,
)
from slipway.tooling.stacks import StackRun

NEW = ReleaseRef(version="1.3.0", image="registry.example.com/team/api@sha256:" + "b" * 64)
SPEC_RELEASE = ReleaseRef(version="1.2.3", image=IMAGE)
CANARY = spec(release={"strategy": "canary"})
BLUE_GREEN = spec(release={"strategy": "blue-green"})
STACK = "Pulumi.dev.yaml"


def test_canary_walks_its_steps_then_the_candidate_becomes_stable() -> None:
    step = start(CANARY, None, NEW)
    assert (step.action, step.message) == ("start", "slipway release start api 1.3.0")
    # The stable version is pinned from the service file when the release starts.
    assert step.state == ReleaseState(stable=SPEC_RELEASE, candidate=NEW, weight=1)
    messages = []
    state = step.state
    while state.candidate is not None:
        step = promote(CANARY, state)
        messages.append(step.message)
        state = step.state
    assert messages == ["slipway release step api 1.3.0 weight=5",
                        "slipway release step api 1.3.0 weight=25",
                        "slipway release promote api 1.3.0"]
    assert state == ReleaseState(stable=NEW)


def test_canary_uses_the_spec_steps() -> None:
    custom = spec(release={"strategy": "canary", "steps": [10, 50, 100]})
    state = start(custom, None, NEW).state
    assert state.weight == 10
    assert promote(custom, state).state.weight == 50


def test_canary_rollback_removes_the_candidate_and_keeps_stable() -> None:
    state = promote(CANARY, start(CANARY, None, NEW).state).state
    step = rollback(CANARY, state)
    assert step.message == "slipway release rollback api 1.3.0"
    assert step.state == ReleaseState(stable=SPEC_RELEASE)


def test_blue_green_start_flip_flip_back_and_finish() -> None:
    started = start(BLUE_GREEN, None, NEW)
    assert started.state == ReleaseState(stable=SPEC_RELEASE, candidate=NEW, weight=0,
                                         live="blue")
    flipped = promote(BLUE_GREEN, started.state)
    assert flipped.message == "slipway release flip api 1.3.0"
    assert flipped.state == ReleaseState(stable=SPEC_RELEASE, candidate=NEW, weight=100,
                                         live="green")
    back = rollback(BLUE_GREEN, flipped.state)
    assert back.message == "slipway release rollback api 1.3.0"
    assert back.state == started.state
    finished = promote(BLUE_GREEN, flipped.state)
    assert finished.message == "slipway release promote api 1.3.0"
    assert finished.state == ReleaseState(stable=NEW, live="green")


def test_blue_green_rollback_before_the_flip_drops_the_candidate() -> None:
    started = start(BLUE_GREEN, ReleaseState(live="green"), NEW)
    assert rollback(BLUE_GREEN, started.state).state == ReleaseState(stable=SPEC_RELEASE,
                                                                     live="green")


def test_fails_to_start_twice() -> None:
    state = start(CANARY, None, NEW).state
    other = ReleaseRef(version="1.4.0", image=NEW.image)
    with pytest.raises(ReleaseError, match="api: a release of 1.3.0 is already under way "
                                           r"\(weight 1\); promote or roll it back first"):
        start(CANARY, state, other)


def test_fails_to_start_the_stable_version() -> None:
    with pytest.raises(ReleaseError, match="is already the stable version"):
        start(CANARY, None, SPEC_RELEASE)


def test_fails_to_promote_or_roll_back_without_a_release() -> None:
    with pytest.raises(ReleaseError, match="no release under way to promote"):
        promote(CANARY, ReleaseState(stable=NEW))
    with pytest.raises(ReleaseError, match="no release under way to roll back"):
        rollback(BLUE_GREEN, None)


def test_fails_for_a_rolling_service() -> None:
    with pytest.raises(ReleaseError, match=r"release\.strategy is rolling, which has no steps "
                                           "to start"):
        start(spec(), None, NEW)


def test_fails_to_start_with_a_contract_migration() -> None:
    contract = spec(release={"strategy": "canary"},
                    migration={"phase": "contract", "image": IMAGE, "command": ["m"]})
    with pytest.raises(ReleaseError, match=r"migration\.phase is contract: a destructive "
                                           "migration never ships with a new version"):
        start(contract, None, NEW)


def test_stack_settings_read_the_release_state() -> None:
    settings = settings_from({
        "environment": "dev", "kubernetes": {"renderDir": "out"},
        "secretStore": {"name": "s"},
        "releases": {"api": {"stable": {"version": "1.3.0", "image": NEW.image},
                             "weight": 0}},
    }, STACK)
    assert settings.releases["api"].stable == NEW


def test_stack_settings_refuse_a_bad_weight() -> None:
    with pytest.raises(SpecError) as caught:
        settings_from({
            "environment": "dev", "kubernetes": {"renderDir": "out"},
            "secretStore": {"name": "s"}, "releases": {"api": {"weight": 150}},
        }, STACK)
    assert caught.value.problems == [
        "Pulumi.dev.yaml: slipway:releases.api.weight: input should be less than or equal to "
        "100 (got 150)"]


def test_release_state_for_an_unknown_service_is_refused() -> None:
    catalog = Catalog(services={"api": CANARY}, sources={"api": "services/api.yaml"})
    with pytest.raises(SpecError) as caught:
        check_releases(catalog, {"gone": ReleaseState()}, STACK)
    assert caught.value.problems == [
        "Pulumi.dev.yaml: slipway:releases.gone: no service named 'gone' in the catalog; "
        "remove it with `pulumi config rm --path 'releases.gone'`"]


# -- --auto, with Prometheus answers given and `apply` recording instead of running up ------


class Answers(Prometheus):
    """Prometheus answering the canary's health from a list, or failing when told."""

    def __init__(self, *answers: TrackHealth | PrometheusUnavailable) -> None:
        super().__init__("http://prometheus.invalid")
        self.answers = list(answers)
        self.asked: list[tuple[str, str, str | None, str, float]] = []

    def track_health(self, namespace: str, service: str, track: str | None, window: str,
                     percentile: float) -> TrackHealth:
        self.asked.append((namespace, service, track, window, percentile))
        answer = self.answers.pop(0)
        if isinstance(answer, PrometheusUnavailable):
            raise answer
        return answer


def auto_target(monkeypatch: pytest.MonkeyPatch) -> tuple[ReleaseTarget, list[str]]:
    applied: list[str] = []

    def fake_apply(target: ReleaseTarget, step: Step, on_output: object = None) -> StackRun:
        target.releases = {**target.releases, step.service: step.state}
        applied.append(step.message)
        return StackRun(stack="dev", operation="up")

    monkeypatch.setattr(releases, "apply", fake_apply)
    settings = settings_from({"environment": "dev", "kubernetes": {"renderDir": "out"},
                                    "secretStore": {"name": "s"}}, STACK)
    state = start(CANARY, None, NEW).state
    return ReleaseTarget(cast(Any, None), "dev", CANARY, settings, {"api": state}), applied


def healthy(rps: float = 10.0) -> TrackHealth:
    return TrackHealth(requests_per_second=rps, error_rate=0.0, latency_ms=100.0,
                       track="canary")


def test_auto_promotes_each_healthy_step_until_stable(monkeypatch: pytest.MonkeyPatch) -> None:
    target, applied = auto_target(monkeypatch)
    prometheus = Answers(healthy(), healthy(), healthy())
    result = run_auto(target, prometheus, bake_seconds=7, window="1m", sleep=lambda _s: None)
    assert result.outcome == "promoted"
    assert applied == ["slipway release step api 1.3.0 weight=5",
                       "slipway release step api 1.3.0 weight=25",
                       "slipway release promote api 1.3.0"]
    assert prometheus.asked[0] == ("slipway-dev", "api", "canary", "1m", 95.0)
    assert target.state == ReleaseState(stable=NEW)


def test_auto_rolls_back_on_slow_p95(monkeypatch: pytest.MonkeyPatch) -> None:
    target, applied = auto_target(monkeypatch)
    slow = TrackHealth(requests_per_second=10, error_rate=0.0, latency_ms=900, track="canary")
    result = run_auto(target, Answers(healthy(), slow), bake_seconds=1, window="1m",
                      sleep=lambda _s: None)
    assert result.outcome == "rolled-back"
    assert result.breaches == ["canary p95 latency 900 ms > 500 ms threshold"]
    assert applied == ["slipway release step api 1.3.0 weight=5",
                       "slipway release rollback api 1.3.0"]
    assert target.state == ReleaseState(stable=SPEC_RELEASE)


def test_auto_holds_when_there_is_too_little_traffic_to_judge(
        monkeypatch: pytest.MonkeyPatch) -> None:
    target, applied = auto_target(monkeypatch)
    result = run_auto(target, Answers(healthy(rps=0.2)), bake_seconds=1, window="1m",
                      sleep=lambda _s: None)
    assert result.outcome == "held"
    assert "0.20 requests/s" in result.reason
    assert applied == []
    assert target.state is not None and target.state.weight == 1


def test_auto_holds_when_prometheus_cannot_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    target, applied = auto_target(monkeypatch)
    result = run_auto(target, Answers(PrometheusUnavailable("refused")), bake_seconds=1,
                      window="1m", sleep=lambda _s: None)
    assert (result.outcome, result.reason, applied) == ("held", "refused", [])


def test_auto_refuses_a_rolling_service(monkeypatch: pytest.MonkeyPatch) -> None:
    target, _ = auto_target(monkeypatch)
    target.spec = spec()
    with pytest.raises(ReleaseError, match=r"release\.strategy is rolling"):
        run_auto(target, Answers(), bake_seconds=1, window="1m", sleep=lambda _s: None)


# -- blue-green --auto: the idle slot before the flip, the flipped slot after it ------------


def blue_green_target(monkeypatch: pytest.MonkeyPatch,
                      state: ReleaseState) -> tuple[ReleaseTarget, list[str]]:
    target, applied = auto_target(monkeypatch)
    target.spec, target.releases = BLUE_GREEN, {"api": state}
    return target, applied


def slot(name: str, rps: float = 10.0, error_rate: float = 0.0) -> TrackHealth:
    return TrackHealth(requests_per_second=rps, error_rate=error_rate, latency_ms=100.0,
                       track=name)


def test_blue_green_gate_judges_the_idle_slot_then_the_flipped_one() -> None:
    preview = start(BLUE_GREEN, None, NEW).state  # live blue, candidate in green
    assert releases.gate(BLUE_GREEN, preview) == releases.Gate(
        "green", "idle slot green (preview)")
    flipped = promote(BLUE_GREEN, preview).state
    assert releases.gate(BLUE_GREEN, flipped) == releases.Gate(
        "green", "live slot green (flipped)")
    # A service whose live slot is green releases into blue.
    green_live = ReleaseState(stable=SPEC_RELEASE, candidate=NEW, weight=0, live="green")
    assert releases.gate(BLUE_GREEN, green_live).track == "blue"
    assert releases.gate(CANARY, start(CANARY, None, NEW).state).track == "canary"


def test_decide_holds_without_traffic_rolls_back_on_a_breach_else_promotes() -> None:
    slo = BLUE_GREEN.slo
    assert releases.decide(slot("green"), slo, "1m") == ("promote", [])
    assert releases.decide(slot("green", rps=0.5), slo, "1m") == ("hold", [
        "green had 0.50 requests/s over 1m, below the 1 needed to judge it: no promotion"])
    assert releases.decide(slot("green", error_rate=0.05), slo, "1m") == ("rollback", [
        "green error rate 5.00% > 0.10% allowed by availability 99.9%"])


def test_blue_green_auto_judges_preview_flips_observes_and_finishes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    target, applied = blue_green_target(monkeypatch, start(BLUE_GREEN, None, NEW).state)
    prometheus = Answers(slot("green"), slot("green"))
    result = run_auto(target, prometheus, bake_seconds=1, window="1m", sleep=lambda _s: None)
    assert result.outcome == "promoted"
    assert applied == ["slipway release flip api 1.3.0", "slipway release promote api 1.3.0"]
    assert [asked[2] for asked in prometheus.asked] == ["green", "green"]
    assert [(h["weight"], h["track"]) for h in result.health] == [(0, "green"), (100, "green")]
    assert target.state == ReleaseState(stable=NEW, live="green")


def test_blue_green_auto_refuses_to_flip_when_the_idle_slot_breaches(
        monkeypatch: pytest.MonkeyPatch) -> None:
    target, applied = blue_green_target(monkeypatch, start(BLUE_GREEN, None, NEW).state)
    result = run_auto(target, Answers(slot("green", error_rate=0.05)), bake_seconds=1,
                      window="1m", sleep=lambda _s: None)
    assert result.outcome == "rolled-back"
    assert result.breaches == ["green error rate 5.00% > 0.10% allowed by availability 99.9%"]
    # Never flipped: the candidate leaves the idle slot, blue keeps serving.
    assert applied == ["slipway release rollback api 1.3.0"]
    assert target.state == ReleaseState(stable=SPEC_RELEASE, live="blue")


def test_blue_green_auto_flips_back_on_a_breach_after_the_flip(
        monkeypatch: pytest.MonkeyPatch) -> None:
    target, applied = blue_green_target(monkeypatch, start(BLUE_GREEN, None, NEW).state)
    slow = TrackHealth(requests_per_second=10, error_rate=0.0, latency_ms=900, track="green")
    result = run_auto(target, Answers(slot("green"), slow), bake_seconds=1, window="1m",
                      sleep=lambda _s: None)
    assert result.outcome == "rolled-back"
    assert result.breaches == ["green p95 latency 900 ms > 500 ms threshold"]
    assert applied == ["slipway release flip api 1.3.0", "slipway release rollback api 1.3.0"]
    # Blue live again; the candidate stays in green (preview) until rolled back or retried.
    assert target.state == ReleaseState(stable=SPEC_RELEASE, candidate=NEW, weight=0,
                                        live="blue")


def test_blue_green_auto_holds_an_idle_slot_without_traffic(
        monkeypatch: pytest.MonkeyPatch) -> None:
    state = start(BLUE_GREEN, None, NEW).state
    target, applied = blue_green_target(monkeypatch, state)
    result = run_auto(target, Answers(slot("green", rps=0)), bake_seconds=1, window="1m",
                      sleep=lambda _s: None)
    assert (result.outcome, applied, target.state) == ("held", [], state)
    assert "green had 0.00 requests/s" in result.reason


def test_blue_green_auto_resumed_after_the_flip_observes_the_live_slot(
        monkeypatch: pytest.MonkeyPatch) -> None:
    flipped = promote(BLUE_GREEN, start(BLUE_GREEN, None, NEW).state).state
    target, applied = blue_green_target(monkeypatch, flipped)
    prometheus = Answers(slot("green"))
    assert run_auto(target, prometheus, bake_seconds=1, window="1m",
                    sleep=lambda _s: None).outcome == "promoted"
    assert applied == ["slipway release promote api 1.3.0"]
    assert prometheus.asked[0][2] == "green"


# -- a step the engine fails is undone --------------------------------------------------------


def engine_error(kind: type[auto.errors.CommandError] = auto.errors.CommandError,
                 text: str = "error: update failed") -> auto.errors.CommandError:
    return kind(CommandResult(stdout="", stderr=text, code=255))


class Engine:
    """A stack whose update (`stack_cli.update`) fails as told, recording each run's message
    and handed-off intent."""

    name = "dev"

    def __init__(self, *failures: auto.errors.CommandError | None) -> None:
        self.failures = list(failures)
        self.runs: list[tuple[str, dict[str, ReleaseState]]] = []
        self.intent: dict[str, ReleaseState] = {}

    def up(self, **options: Any) -> None:
        self.runs.append((options["message"], self.intent))
        failure = self.failures.pop(0)
        if failure is not None:
            raise failure


@pytest.fixture
def engine_hand_off(monkeypatch: pytest.MonkeyPatch) -> None:
    def hand_off(stack: Engine, known: progress.Recorded,
                 intent: dict[str, ReleaseState]) -> progress.Recorded:
        stack.intent = dict(intent)
        return known

    monkeypatch.setattr(progress, "hand_off", hand_off)

    def update(stack: Engine, on_output: object = None, **options: Any) -> stack_cli.Updated:
        stack.up(**options)
        return stack_cli.Updated(changes={}, outputs={})

    monkeypatch.setattr(stack_cli, "update", update)


FLIPPED = promote(BLUE_GREEN, start(BLUE_GREEN, None, NEW).state).state
OTHER = ReleaseState(stable=SPEC_RELEASE)


@pytest.mark.usefixtures("engine_hand_off")
def test_a_failed_step_is_undone_by_an_update_pinned_to_the_recorded_progress() -> None:
    recorded = progress.Recorded(states={"api": FLIPPED, "web": OTHER})
    step = rollback(BLUE_GREEN, FLIPPED)  # flip back
    engine = Engine(engine_error(text="error: the provider failed"), None)
    with pytest.raises(releases.StepFailedError) as failed:
        releases.run_step(cast(Any, engine), "dev", recorded, step)
    assert failed.value.restored
    assert engine.runs == [
        ("slipway release rollback api 1.3.0", {"api": step.state, "web": OTHER}),
        ("slipway restore after failed `slipway release rollback api 1.3.0`",
         {"api": FLIPPED, "web": OTHER}),
    ]
    assert recorded.states == {"api": FLIPPED, "web": OTHER}
    assert "(error: the provider failed)" in str(failed.value)
    assert "restored to what they were before the step" in str(failed.value)
    # Not a release message: the catalog and DORA never count the restore.
    assert parse_release(releases.restore_message(step)) is None


@pytest.mark.usefixtures("engine_hand_off")
def test_a_failed_restore_says_the_stack_may_be_partly_changed() -> None:
    recorded = progress.Recorded(states={"api": FLIPPED})
    step = promote(BLUE_GREEN, FLIPPED)
    engine = Engine(engine_error(), engine_error(text="error: backend unreachable"))
    with pytest.raises(releases.StepFailedError) as failed:
        releases.run_step(cast(Any, engine), "dev", recorded, step)
    assert not failed.value.restored
    assert "restoring the stack failed too (error: backend unreachable)" in str(failed.value)
    assert "may be partly changed" in str(failed.value)


@pytest.mark.usefixtures("engine_hand_off")
def test_a_stack_held_by_another_update_is_not_restored() -> None:
    recorded = progress.Recorded(states={"api": FLIPPED})
    engine = Engine(engine_error(auto.errors.ConcurrentUpdateError, "locked"))
    with pytest.raises(auto.errors.ConcurrentUpdateError):
        releases.run_step(cast(Any, engine), "dev", recorded, promote(BLUE_GREEN, FLIPPED))
    assert len(engine.runs) == 1
class ProbeAnswers(Answers):
    """Healthy traffic, and the synthetic check's success ratio from a list (None: no data)."""

    def __init__(self, *ratios: float | None) -> None:
        super().__init__(*[healthy() for _ in ratios])
        self.ratios = list(ratios)
        self.windows: list[str] = []

    def probe_success(self, namespace: str, service: str, window: str) -> float | None:
        self.windows.append(window)
        return self.ratios.pop(0)


def public_target(monkeypatch: pytest.MonkeyPatch) -> tuple[ReleaseTarget, list[str]]:
    target, applied = auto_target(monkeypatch)
    target.spec = spec(release={"strategy": "canary"},
                       exposure={"public": True, "host": "api.example.com"})
    return target, applied


def test_auto_rolls_back_a_public_service_whose_synthetic_check_fails(
        monkeypatch: pytest.MonkeyPatch) -> None:
    target, applied = public_target(monkeypatch)
    prometheus = ProbeAnswers(1.0, 0.5)
    result = run_auto(target, prometheus, bake_seconds=1, window="1m", sleep=lambda _s: None)
    assert result.outcome == "rolled-back"
    assert result.breaches == ["synthetic check of https://api.example.com/: 50.00% of probes "
                               "succeeded < 95.00% required"]
    assert applied == ["slipway release step api 1.3.0 weight=5",
                       "slipway release rollback api 1.3.0"]
    assert [h["probeSuccess"] for h in result.health] == [1.0, 0.5]
    assert prometheus.windows == ["60s", "60s"]


def test_auto_holds_a_public_service_without_probe_data(monkeypatch: pytest.MonkeyPatch) -> None:
    target, applied = public_target(monkeypatch)
    result = run_auto(target, ProbeAnswers(None), bake_seconds=1, window="1m",
                      sleep=lambda _s: None)
    assert result.outcome == "held" and applied == []
    assert "no synthetic check data (probe_success) for https://api.example.com/" in \
        result.reason
