"""Release strategies under Pulumi mocks: rolling, canary weights, blue-green slots, feature
flags, migrations before traffic, contract migrations refused mid-release; and the policy
pack's stack rules on what is rendered."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import PolicyCustomTimeouts, PolicyResource, PolicyResourceOptions

from microservice_fixtures import (
    COMPONENT,
    CONFIG_MAP,
    DEPLOYMENT,
    HPA,
    IMAGE,
    JOB,
    PDB,
    SERVICE,
    render,
    spec,
)
from mocking import Registered, Registry
from rules.disruption import check_disruption_budgets
from rules.network import check_network_policies, check_service_selectors
from rules.routes import check_route_weights
from slipway import Environment
from slipway.labels import SLOT, TRACK
from slipway.release_state import ReleaseRef, ReleaseState
from slipway.routes import virtual_service_spec
from slipway.spec.loader import validate
from slipway.workload import CONFIG_HASH_ANNOTATION

HTTPROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"
VIRTUAL_SERVICE = "kubernetes:networking.istio.io/v1:VirtualService"
NEW_IMAGE = "registry.example.com/team/api@sha256:" + "b" * 64
OLD_IMAGE = "registry.example.com/team/api@sha256:" + "c" * 64
NEW = ReleaseRef(version="1.3.0", image=NEW_IMAGE)
OLD = ReleaseRef(version="1.2.9", image=OLD_IMAGE)
OPTIONS = PolicyResourceOptions(False, [], False, [], PolicyCustomTimeouts(0, 0, 0), [], None)
PUBLIC = {"exposure": {"public": True, "host": "api.example.com", "path": "/api"}}


def canary(**fields: Any) -> Any:
    return spec(release={"strategy": "canary"}, **fields)


def blue_green(**fields: Any) -> Any:
    return spec(release={"strategy": "blue-green"}, **fields)


def image_of(deployment: Registered) -> str:
    return str(deployment.spec["template"]["spec"]["containers"][0]["image"])


def pod_labels(deployment: Registered) -> dict[str, str]:
    return dict(deployment.spec["template"]["metadata"]["labels"])


def backends(route: Registered) -> list[tuple[str, int]]:
    rules = route.spec["rules"]
    assert len(rules) == 1
    return [(ref["name"], ref["weight"]) for ref in rules[0]["backendRefs"]]


def changed_between(before: Registry, after: Registry) -> list[str]:
    """Names of the resources whose inputs differ (registration order is not deterministic)."""
    old = {r.name: r.inputs for r in before}
    new = {r.name: r.inputs for r in after}
    assert set(old) == set(new), sorted(set(old) ^ set(new))
    return sorted(name for name in old if old[name] != new[name])


def as_policy_resources(registry: Registry) -> list[PolicyResource]:
    """What the policy pack's stack rules see (the mocks already hold camelCase inputs)."""
    return [PolicyResource(r.type, r.inputs, r.urn, r.name, OPTIONS, None, None, [], {})
            for r in registry if r.type != COMPONENT]


def assert_stack_rules_pass(registry: Registry) -> None:
    resources = as_policy_resources(registry)
    for check in (check_route_weights, check_service_selectors, check_network_policies,
                  check_disruption_budgets):
        found = check(resources)
        assert list(found) == [] and found.unknown == [], (check.__name__, found)


# -- rolling -------------------------------------------------------------------------------


def test_rolling_internal_service_has_no_route_and_no_track_labels() -> None:
    registry = render(spec())
    assert registry.of_type(HTTPROUTE) == []
    deployment = registry.one(DEPLOYMENT, "api")
    assert TRACK not in pod_labels(deployment) and SLOT not in pod_labels(deployment)


def test_rolling_public_service_gets_an_httproute_with_one_backend_on_the_gateway() -> None:
    env = Environment(name="dev", namespace="apps", gateway_name="edge")
    route = render(spec(**PUBLIC), environment=env).one(HTTPROUTE, "api")
    assert route.spec["parentRefs"] == [{"group": "gateway.networking.k8s.io",
                                         "kind": "Gateway", "name": "edge",
                                         "namespace": "gateway"}]
    assert route.spec["hostnames"] == ["api.example.com"]
    assert route.spec["rules"][0]["matches"] == [{"path": {"type": "PathPrefix",
                                                           "value": "/api"}}]
    assert backends(route) == [("api", 100)]


def test_stable_release_state_wins_over_the_spec_version_and_image() -> None:
    registry = render(spec(), release=ReleaseState(stable=NEW))
    deployment = registry.one(DEPLOYMENT, "api")
    assert image_of(deployment) == NEW_IMAGE
    assert pod_labels(deployment)["app.kubernetes.io/version"] == "1.3.0"
    assert deployment.inputs["metadata"]["annotations"]["kubernetes.io/change-cause"] == (
        "api 1.3.0 (commit unknown)")


def test_fails_when_a_rolling_service_has_a_candidate() -> None:
    with pytest.raises(ValueError, match="api: release state: release strategy is rolling, "
                                         "which has no candidate"):
        render(spec(), release=ReleaseState(candidate=NEW, weight=5))


# -- canary --------------------------------------------------------------------------------


def test_canary_without_a_release_runs_only_the_stable_track() -> None:
    registry = render(canary())
    assert [d.k8s_name for d in registry.of_type(DEPLOYMENT)] == ["api"]
    deployment = registry.one(DEPLOYMENT, "api")
    assert pod_labels(deployment)[TRACK] == "stable"
    assert deployment.spec["selector"]["matchLabels"][TRACK] == "stable"
    assert sorted(s.k8s_name for s in registry.of_type(SERVICE)) == ["api", "api-stable"]
    assert TRACK not in registry.one(SERVICE, "api").spec["selector"]
    route = registry.one(HTTPROUTE, "api")
    # Internal: the route's parent is the service's own Service (GAMMA).
    assert route.spec["parentRefs"] == [{"group": "", "kind": "Service", "name": "api",
                                         "port": 80}]
    assert backends(route) == [("api-stable", 100)]
    assert_stack_rules_pass(registry)


@pytest.mark.parametrize("weight", [1, 5, 25, 99])
def test_canary_weight_splits_traffic_between_stable_and_canary(weight: int) -> None:
    registry = render(canary(**PUBLIC),
                      release=ReleaseState(stable=OLD, candidate=NEW, weight=weight))
    assert backends(registry.one(HTTPROUTE, "api")) == [("api-stable", 100 - weight),
                                                        ("api-canary", weight)]
    stable, candidate = registry.one(DEPLOYMENT, "api"), registry.one(DEPLOYMENT, "api-canary")
    assert (image_of(stable), image_of(candidate)) == (OLD_IMAGE, NEW_IMAGE)
    assert pod_labels(candidate)[TRACK] == "canary"
    assert pod_labels(candidate)["app.kubernetes.io/version"] == "1.3.0"
    assert candidate.spec["replicas"] == 1
    assert registry.one(SERVICE, "api-canary").spec["selector"][TRACK] == "canary"
    assert_stack_rules_pass(registry)


def test_canary_weight_zero_has_no_canary_deployment_service_or_backend() -> None:
    registry = render(canary(), release=ReleaseState(stable=OLD, candidate=NEW, weight=0))
    assert [d.k8s_name for d in registry.of_type(DEPLOYMENT)] == ["api"]
    assert "api-canary" not in {s.k8s_name for s in registry.of_type(SERVICE)}
    assert backends(registry.one(HTTPROUTE, "api")) == [("api-stable", 100)]
    assert image_of(registry.one(DEPLOYMENT, "api")) == OLD_IMAGE


def test_canary_weight_100_makes_the_candidate_stable_with_nothing_canary_left() -> None:
    registry = render(canary(), release=ReleaseState(stable=OLD, candidate=NEW, weight=100))
    assert [d.k8s_name for d in registry.of_type(DEPLOYMENT)] == ["api"]
    assert image_of(registry.one(DEPLOYMENT, "api")) == NEW_IMAGE
    assert backends(registry.one(HTTPROUTE, "api")) == [("api-stable", 100)]
    # Same files as a finished release: promote to 100 and writing stable render alike.
    finished = render(canary(), release=ReleaseState(stable=NEW))
    assert changed_between(registry, finished) == []


def test_hpa_and_pdb_target_the_stable_track_and_a_canary_pod_needs_no_budget() -> None:
    registry = render(canary(), release=ReleaseState(stable=OLD, candidate=NEW, weight=5))
    assert registry.one(HPA).spec["scaleTargetRef"]["name"] == "api"
    assert registry.one(PDB).spec["selector"]["matchLabels"][TRACK] == "stable"
    assert "replicas" not in registry.one(DEPLOYMENT, "api").spec


def test_several_canary_replicas_get_their_own_budget() -> None:
    registry = render(spec(release={"strategy": "canary", "canaryReplicas": 3}),
                      release=ReleaseState(stable=OLD, candidate=NEW, weight=25))
    assert registry.one(DEPLOYMENT, "api-canary").spec["replicas"] == 3
    budgets = {p.k8s_name: p.spec for p in registry.of_type(PDB)}
    assert budgets["api-canary"]["selector"]["matchLabels"][TRACK] == "canary"
    assert budgets["api-canary"]["maxUnavailable"] == 1
    assert_stack_rules_pass(registry)


def test_network_policy_selects_both_tracks() -> None:
    registry = render(canary(), release=ReleaseState(stable=OLD, candidate=NEW, weight=5))
    selector = registry.one("kubernetes:networking.k8s.io/v1:NetworkPolicy").spec[
        "podSelector"]["matchLabels"]
    for deployment in registry.of_type(DEPLOYMENT):
        assert selector.items() <= pod_labels(deployment).items()


def test_canary_in_the_mesh_splits_with_a_virtual_service_instead() -> None:
    env = Environment(name="prod", namespace="apps", mesh=True)
    registry = render(canary(), environment=env,
                      release=ReleaseState(stable=OLD, candidate=NEW, weight=25))
    assert registry.of_type(HTTPROUTE) == []
    service = registry.one(VIRTUAL_SERVICE, "api")
    route = service.spec["http"][0]
    assert service.spec["hosts"] == ["api"]
    assert route["route"] == [
        {"destination": {"host": "api-stable", "port": {"number": 80}}, "weight": 75},
        {"destination": {"host": "api-canary", "port": {"number": 80}}, "weight": 25},
    ]
    # The spec's mesh budget (defaults: 3 s in all, 2 retries of 1 s) rides on the split.
    assert (route["timeout"], route["retries"]["attempts"], route["retries"]["perTryTimeout"]) \
        == ("3s", 2, "1s")
    # Each host the split sends traffic to has the circuit breaker.
    rules = registry.of_type("kubernetes:networking.istio.io/v1:DestinationRule")
    assert sorted(rule.spec["host"].split(".")[0] for rule in rules) == [
        "api", "api-canary", "api-stable"]
    assert_stack_rules_pass(registry)


def test_public_canary_in_the_mesh_splits_at_the_gateway_and_in_the_mesh() -> None:
    env = Environment(name="prod", namespace="apps", mesh=True)
    registry = render(canary(**PUBLIC), environment=env,
                      release=ReleaseState(stable=OLD, candidate=NEW, weight=5))
    assert backends(registry.one(HTTPROUTE, "api")) == [("api-stable", 95), ("api-canary", 5)]
    assert len(registry.of_type(VIRTUAL_SERVICE)) == 1


def test_virtual_service_merges_resilience_into_every_route() -> None:
    built = virtual_service_spec("api", [("api-stable", 90), ("api-canary", 10)],
                                 {"timeout": "3s", "retries": {"attempts": 2}})
    assert built["http"][0]["timeout"] == "3s"
    assert built["http"][0]["retries"] == {"attempts": 2}
    with pytest.raises(ValueError, match=r"resilience keys \['fault'\]"):
        virtual_service_spec("api", [("api", 100)], {"fault": {}})


def test_fails_when_canary_state_names_a_live_slot() -> None:
    with pytest.raises(ValueError, match="live: green is for blue-green"):
        render(canary(), release=ReleaseState(live="green"))


# -- blue-green ----------------------------------------------------------------------------


def test_blue_green_without_a_release_runs_the_blue_slot_only() -> None:
    registry = render(blue_green())
    assert [d.k8s_name for d in registry.of_type(DEPLOYMENT)] == ["api-blue"]
    assert registry.one(SERVICE, "api").spec["selector"][SLOT] == "blue"
    assert [s.k8s_name for s in registry.of_type(SERVICE)] == ["api"]
    assert registry.one(HPA).spec["scaleTargetRef"]["name"] == "api-blue"
    assert_stack_rules_pass(registry)


def test_blue_green_candidate_goes_to_the_idle_slot_behind_the_preview_service() -> None:
    registry = render(blue_green(), release=ReleaseState(stable=OLD, candidate=NEW, weight=0))
    blue, green = registry.one(DEPLOYMENT, "api-blue"), registry.one(DEPLOYMENT, "api-green")
    assert (image_of(blue), image_of(green)) == (OLD_IMAGE, NEW_IMAGE)
    assert registry.one(SERVICE, "api").spec["selector"][SLOT] == "blue"
    assert registry.one(SERVICE, "api-preview").spec["selector"][SLOT] == "green"
    # Each slot scales and is budgeted on its own.
    assert sorted(h.spec["scaleTargetRef"]["name"] for h in registry.of_type(HPA)) == [
        "api-blue", "api-green"]
    assert sorted(p.spec["selector"]["matchLabels"][SLOT] for p in registry.of_type(PDB)) == [
        "blue", "green"]
    assert_stack_rules_pass(registry)


def test_blue_green_flip_changes_only_the_selectors() -> None:
    before = render(blue_green(), release=ReleaseState(stable=OLD, candidate=NEW, weight=0))
    after = render(blue_green(), release=ReleaseState(stable=OLD, candidate=NEW, weight=100,
                                                       live="green"))
    assert after.one(SERVICE, "api").spec["selector"][SLOT] == "green"
    assert after.one(SERVICE, "api-preview").spec["selector"][SLOT] == "blue"
    assert changed_between(before, after) == ["api-service", "api-service-preview"]


def test_blue_green_promoted_release_leaves_one_slot() -> None:
    registry = render(blue_green(), release=ReleaseState(stable=NEW, live="green"))
    assert [d.k8s_name for d in registry.of_type(DEPLOYMENT)] == ["api-green"]
    assert image_of(registry.one(DEPLOYMENT, "api-green")) == NEW_IMAGE
    assert registry.one(SERVICE, "api").spec["selector"][SLOT] == "green"


def test_fails_when_blue_green_weight_is_a_canary_share() -> None:
    with pytest.raises(ValueError, match="weight: 30 is not a blue-green state"):
        render(blue_green(), release=ReleaseState(stable=OLD, candidate=NEW, weight=30))


# -- feature flags -------------------------------------------------------------------------


def test_flags_land_in_a_mounted_configmap() -> None:
    registry = render(spec(flags={"newCheckout": True, "banner": "sale", "limit": 5}))
    flags_map = registry.one(CONFIG_MAP, "api-flags")
    assert flags_map.inputs["data"] == {
        "flags.json": '{\n  "banner": "sale",\n  "limit": 5,\n  "newCheckout": true\n}\n'}
    pod = registry.one(DEPLOYMENT).spec["template"]["spec"]
    assert {"name": "flags", "configMap": {"name": "api-flags"}} in pod["volumes"]
    mounts = pod["containers"][0]["volumeMounts"]
    assert {"name": "flags", "mountPath": "/etc/slipway/flags", "readOnly": True} in mounts
    assert all("flags" not in str(e) for e in pod["containers"][0].get("envFrom", []))
    assert flags_map.urn in registry.one(DEPLOYMENT).dependencies


def test_flipping_a_flag_changes_only_the_flags_configmap() -> None:
    on = render(spec(config={"A": "1"}, flags={"newCheckout": True}))
    off = render(spec(config={"A": "1"}, flags={"newCheckout": False}))
    assert changed_between(on, off) == ["api-flags"]


def test_changing_config_still_rolls_the_pods() -> None:
    before = render(spec(config={"A": "1"}, flags={"x": True})).one(DEPLOYMENT)
    after = render(spec(config={"A": "2"}, flags={"x": True})).one(DEPLOYMENT)
    annotation = CONFIG_HASH_ANNOTATION
    assert (before.spec["template"]["metadata"]["annotations"][annotation]
            != after.spec["template"]["metadata"]["annotations"][annotation])


def test_no_flags_no_flags_configmap() -> None:
    registry = render(spec())
    assert all(c.k8s_name != "api-flags" for c in registry.of_type(CONFIG_MAP))


# -- migrations ----------------------------------------------------------------------------

MIGRATION = {"image": IMAGE, "command": ["/app/migrate", "up"]}


def test_the_candidate_waits_for_the_migration_of_its_version() -> None:
    registry = render(canary(migration=MIGRATION),
                      release=ReleaseState(stable=OLD, candidate=NEW, weight=1))
    job = registry.one(JOB)
    assert job.k8s_name == "api-migrate-1-3-0"
    assert job.spec["template"]["metadata"]["labels"]["app.kubernetes.io/version"] == "1.3.0"
    assert job.urn in registry.one(DEPLOYMENT, "api-canary").dependencies


def test_a_contract_migration_gets_its_own_job_name() -> None:
    registry = render(spec(migration={**MIGRATION, "phase": "contract"}))
    assert registry.one(JOB).k8s_name == "api-migrate-1-2-3-contract"


def test_fails_when_a_contract_migration_rides_along_a_version_change() -> None:
    with pytest.raises(ValueError, match=(
        r"api: migration.phase: contract is refused in a release that changes the version "
        r"\(1.2.9 -> 1.3.0 is under way\)")):
        render(canary(migration={**MIGRATION, "phase": "contract"}),
               release=ReleaseState(stable=OLD, candidate=NEW, weight=5))


def test_a_contract_migration_without_a_release_under_way_is_allowed() -> None:
    registry = render(canary(migration={**MIGRATION, "phase": "contract"}),
                      release=ReleaseState(stable=NEW))
    assert registry.one(JOB).k8s_name == "api-migrate-1-3-0-contract"


# -- spec defaults ---------------------------------------------------------------------------


def test_release_defaults_are_rolling_with_the_standard_canary_steps() -> None:
    release = spec().release
    assert (release.strategy, release.steps, release.bake_seconds, release.canary_replicas) == (
        "rolling", [1, 5, 25, 100], 300, 1)
    assert spec().flags == {}
    migration = spec(migration=MIGRATION).migration
    assert migration is not None and migration.phase == "expand"


def test_flags_can_be_overridden_per_environment() -> None:
    document = {"name": "api", "image": IMAGE, "version": "1.2.3",
                "flags": {"killSwitch": False, "banner": "x"},
                "environments": {"prod": {"flags": {"killSwitch": True}}}}
    prod = validate(document, "services/api.yaml", environment="prod")
    assert prod.flags == {"killSwitch": True, "banner": "x"}
