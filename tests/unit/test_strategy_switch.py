"""Switching a running service's release strategy: an update refuses it (it would replace the
Deployments) and names `slipway release switch`, which moves the service in two updates, onto a
bridge Deployment, then the new strategy's objects beside it, then without it, so no Deployment
ever changes its (immutable) selector under the same URN and no resource is replaced."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from microservice_fixtures import DEPLOYMENT, HPA, PDB, SERVICE, render, spec
from mocking import Registry
from slipway.labels import SLOT, TRACK
from slipway.release_progress import bridged, landing, settled
from slipway.release_state import ReleaseRef, ReleaseState
from slipway.spec.catalog import Catalog
from slipway.spec.errors import SpecError
from slipway.spec.service import ServiceSpec
from slipway.stack.progress import Handoff, apply_to_catalog, decode, encode
from slipway.tooling import releases

HTTPROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"
STABLE = ReleaseRef(version="1.2.3", image="registry.example.com/team/api@sha256:" + "a" * 64)
CANDIDATE = ReleaseRef(version="1.3.0", image="registry.example.com/team/api@sha256:" + "b" * 64)


def strategy(name: str) -> ServiceSpec:
    return spec() if name == "rolling" else spec(release={"strategy": name})


def selectors(registry: Registry) -> dict[str, dict[str, str]]:
    """URN -> selector of every Deployment (what the engine would have to replace on)."""
    return {d.urn: d.spec["selector"]["matchLabels"] for d in registry.of_type(DEPLOYMENT)}


def switch_renders(before: ServiceSpec, state: ReleaseState | None,
                   after: ServiceSpec) -> list[Registry]:
    """What the service renders before, during and after `slipway release switch`."""
    steps = releases.switch(after, state, before.release.strategy)
    return [render(before, release=state),
            *(render(after, release=step.state) for step in steps)]


def assert_no_replacement(renders: list[Registry]) -> None:
    for earlier, later in itertools.pairwise(renders):
        old, new = selectors(earlier), selectors(later)
        for urn in old.keys() & new.keys():
            assert old[urn] == new[urn], f"{urn} changes its selector: replaced"


@pytest.mark.parametrize(("before", "after"), [
    ("rolling", "canary"), ("rolling", "blue-green"), ("canary", "rolling"),
    ("blue-green", "rolling"), ("canary", "blue-green"), ("blue-green", "canary"),
])
def test_no_deployment_changes_its_selector_in_any_step_of_a_switch(before: str,
                                                                     after: str) -> None:
    renders = switch_renders(strategy(before), ReleaseState(stable=STABLE), strategy(after))
    assert_no_replacement(renders)
    at_rest = [d.k8s_name for d in render(strategy(after), release=ReleaseState(stable=STABLE))
               .of_type(DEPLOYMENT)]
    # Bridge alone; the new Deployments beside it; the new Deployments alone.
    assert [d.k8s_name for d in renders[1].of_type(DEPLOYMENT)] == ["api-bridge"]
    assert sorted(d.k8s_name for d in renders[2].of_type(DEPLOYMENT)) == sorted(
        [*at_rest, "api-bridge"])
    assert [d.k8s_name for d in renders[3].of_type(DEPLOYMENT)] == at_rest


def test_rolling_to_canary_keeps_the_main_deployment_urn_between_two_separate_updates() -> None:
    rolling, bridge, _, canary = switch_renders(strategy("rolling"), None, strategy("canary"))
    urn = rolling.one(DEPLOYMENT, "api").urn
    # Same URN and name before and after, different selector: never in consecutive updates.
    assert urn == canary.one(DEPLOYMENT, "api").urn
    assert urn not in selectors(bridge)
    assert TRACK not in selectors(rolling)[urn]
    assert selectors(canary)[urn][TRACK] == "stable"


def test_the_bridge_runs_the_stable_version_at_the_minimum_behind_the_main_service() -> None:
    service = spec(scaling={"min": 3, "max": 9})
    state = bridged(service, ReleaseState(stable=STABLE, candidate=CANDIDATE, weight=100,
                                          live="green"))
    registry = render(service, release=state)
    bridge = registry.one(DEPLOYMENT, "api-bridge")
    assert bridge.spec["replicas"] == 3  # fixed: ready at the minimum before anything old goes
    assert bridge.spec["template"]["spec"]["containers"][0]["image"] == STABLE.image
    assert bridge.spec["selector"]["matchLabels"][TRACK] == "bridge"
    assert not registry.of_type(HPA)
    main = registry.one(SERVICE, "api")
    # Selects every server pod: the old strategy's while they go, the new one's while they come.
    assert TRACK not in main.spec["selector"] and SLOT not in main.spec["selector"]
    assert [s.k8s_name for s in registry.of_type(SERVICE)] == ["api"]


def test_services_wait_for_the_deployments_they_select() -> None:
    registry = render(strategy("blue-green"),
                      release=ReleaseState(stable=STABLE, candidate=CANDIDATE, weight=0))
    blue, green = registry.one(DEPLOYMENT, "api-blue"), registry.one(DEPLOYMENT, "api-green")
    assert set(registry.one(SERVICE, "api").dependencies) == {blue.urn}
    assert set(registry.one(SERVICE, "api-preview").dependencies) == {green.urn}


# -- the tool's steps -----------------------------------------------------------------------


def test_landing_keeps_all_traffic_on_the_main_service_and_awaits_the_new_autoscaler() -> None:
    service = spec(release={"strategy": "blue-green"}, scaling={"min": 2, "max": 6},
                   **{"exposure": {"public": True, "host": "api.example.com"}})
    registry = render(service, release=landing(bridged(service, ReleaseState(stable=STABLE))))
    assert SLOT not in registry.one(SERVICE, "api").spec["selector"]  # bridge pods too
    route = registry.one(HTTPROUTE, "api")
    assert [b["name"] for b in route.spec["rules"][0]["backendRefs"]] == ["api"]
    blue = registry.one(DEPLOYMENT, "api-blue")
    assert blue.inputs["metadata"]["annotations"]["slipway.dev/switch"] == "land"
    hpa = registry.one(HPA, "api-blue")
    assert hpa.inputs["metadata"]["annotations"] == {"pulumi.com/waitFor": "condition=AbleToScale"}
    # The last update drops the mark (so the provider awaits the Deployment again, at the
    # autoscaler's count) and narrows the Service once that Deployment is ready.
    last = render(service, release=settled(landing(bridged(service, ReleaseState(stable=STABLE)))))
    assert "slipway.dev/switch" not in last.one(DEPLOYMENT, "api-blue").inputs["metadata"][
        "annotations"]
    assert last.one(SERVICE, "api").spec["selector"][SLOT] == "blue"
    assert last.one(SERVICE, "api").dependencies == [last.one(DEPLOYMENT, "api-blue").urn]
    assert "annotations" not in last.one(HPA, "api-blue").inputs["metadata"]


def test_switch_is_three_updates_and_gives_up_a_release_in_flight() -> None:
    state = ReleaseState(stable=STABLE, candidate=CANDIDATE, weight=100, live="green")
    steps = releases.switch(strategy("rolling"), state, "blue-green")
    assert [(s.action, s.message) for s in steps] == [
        ("switch", "slipway release switch api 1.2.3")] * 3
    assert [s.state.switch for s in steps] == ["bridge", "land", None]
    assert steps[0].state.stable == STABLE
    assert (steps[0].state.candidate, steps[0].state.weight, steps[0].state.live) == (
        None, None, None)


@pytest.mark.parametrize(("where", "left"), [("bridge", ["land", None]), ("land", [None])])
def test_a_half_done_switch_is_finished_by_running_it_again(where: Any, left: Any) -> None:
    half = ReleaseState(stable=STABLE, switch=where)
    steps = releases.switch(strategy("canary"), half, "canary")
    assert [s.state.switch for s in steps] == left


def test_switch_refuses_a_service_already_on_its_files_strategy_or_never_deployed() -> None:
    with pytest.raises(releases.ReleaseError, match=r"api: already runs canary; set "
                       r"release\.strategy"):
        releases.switch(strategy("canary"), ReleaseState(stable=STABLE), "canary")
    with pytest.raises(releases.ReleaseError, match="not deployed on this stack"):
        releases.switch(strategy("canary"), None, None)


# -- the program ----------------------------------------------------------------------------


def catalog(service: ServiceSpec) -> Catalog:
    return Catalog(services={service.name: service}, sources={service.name: "services/api.yaml"})


def test_an_update_refuses_a_strategy_change_and_names_the_switch_command() -> None:
    handoff = Handoff(recorded={"api": ReleaseState(stable=STABLE)}, running={"api": "rolling"})
    with pytest.raises(SpecError) as refused:
        apply_to_catalog(catalog(strategy("canary")), handoff, stack="dev")
    assert str(refused.value).count("services/api.yaml: release.strategy: api runs rolling; "
                                    "moving it to canary in one update would replace") == 1
    assert "`slipway release switch api --stack dev`" in str(refused.value)


def test_a_live_blue_green_slot_back_to_rolling_is_refused_with_the_switch_not_a_dead_end(
) -> None:
    # No strategy reported (a bare hand-off): the recorded live slot says blue-green runs.
    handoff = Handoff(recorded={"api": ReleaseState(stable=STABLE, live="green")})
    with pytest.raises(SpecError, match="api runs blue-green; moving it to rolling"):
        apply_to_catalog(catalog(strategy("rolling")), handoff, stack="dev")
    steps = releases.switch(strategy("rolling"), handoff.recorded["api"], None)
    renders = [render(strategy("rolling"), release=step.state) for step in steps]
    assert [d.k8s_name for d in renders[-1].of_type(DEPLOYMENT)] == ["api"]


def test_rollback_of_a_rolling_file_with_a_live_slot_points_at_the_switch() -> None:
    with pytest.raises(releases.ReleaseError, match="`slipway release switch api` moves it to "
                       "rolling"):
        releases.rollback(strategy("rolling"), ReleaseState(stable=STABLE, live="green"))


def test_a_preview_shows_the_switchs_first_update_with_the_reason() -> None:
    handoff = Handoff(recorded={"api": ReleaseState(stable=STABLE)}, running={"api": "rolling"})
    result = apply_to_catalog(catalog(strategy("blue-green")), handoff, applying=False,
                              stack="dev")["api"]
    assert result.state.switch == "bridge" and result.change == "switching"
    assert "slipway release switch api --stack dev" in result.note


@pytest.mark.parametrize("intent", [
    {"api": bridged(strategy("canary"), ReleaseState(stable=STABLE))}, {}])
def test_the_switch_steps_and_a_half_done_switch_pass_the_program(intent: Any) -> None:
    recorded = ({"api": ReleaseState(stable=STABLE)} if intent
                else {"api": bridged(strategy("canary"), ReleaseState(stable=STABLE))})
    handoff = Handoff(recorded=recorded, intent=intent, running={"api": "rolling"})
    result = apply_to_catalog(catalog(strategy("canary")), handoff, stack="dev")["api"]
    assert result.state.switch == "bridge"


def test_the_hand_off_carries_the_running_strategies() -> None:
    handoff = Handoff(recorded={"api": ReleaseState(stable=STABLE)}, running={"api": "canary"})
    assert decode(encode(handoff)) == handoff


def test_services_and_budgets_over_every_pod_of_the_service_wait_for_no_deployment() -> None:
    # Their selectors never move, so nothing is gained by holding them for the rollout.
    for name in ("rolling", "canary", "blue-green"):
        registry = render(strategy(name), release=ReleaseState(stable=STABLE))
        if name != "blue-green":  # its main Service selects the live slot
            assert registry.one(SERVICE, "api").dependencies == [], name
        assert registry.of_type(PDB), name
        for budget in registry.of_type(PDB):
            assert budget.dependencies == [], (name, budget.k8s_name)
    canary = render(strategy("canary"),
                    release=ReleaseState(stable=STABLE, candidate=CANDIDATE, weight=5))
    assert canary.one(SERVICE, "api").dependencies == []
    assert canary.one(SERVICE, "api-canary").dependencies == [
        canary.one(DEPLOYMENT, "api-canary").urn]


def test_only_a_landing_autoscaler_waits_for_its_deployment() -> None:
    service = spec(release={"strategy": "blue-green"}, scaling={"min": 2, "max": 6})
    settled_state = ReleaseState(stable=STABLE)
    assert render(service, release=settled_state).one(HPA, "api-blue").dependencies == []
    landed = render(service, release=landing(bridged(service, settled_state)))
    assert landed.one(HPA, "api-blue").dependencies == [landed.one(DEPLOYMENT, "api-blue").urn]
