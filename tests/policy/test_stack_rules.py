"""Stack rules over StackValidationArgs-shaped input, whatever order resources come in."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pulumi_policy import PolicyResource

from policy_fixtures import LABELS, OPTIONS, TYPES, deployment, hpa, res, urn
from rules.config import ConfigError
from rules.disruption import check_disruption_budgets
from rules.freeze import check_freeze, stack_of
from rules.k8s import UNKNOWN_SENTINELS
from rules.network import check_hpa_targets, check_network_policies, check_service_selectors
from rules.prod import check_prod_replicas, check_prod_zone_spread

UNKNOWN = next(iter(UNKNOWN_SENTINELS))
TODAY = date(2026, 11, 23)


def pdb(**spec: Any) -> dict[str, Any]:
    return {"kind": "PodDisruptionBudget", "metadata": {"name": "orders-pdb", "namespace": "shop"},
            "spec": {"selector": {"matchLabels": dict(LABELS)}, **spec}}


def netpol(selector: dict[str, Any] | None = None, namespace: str = "shop") -> dict[str, Any]:
    return {"kind": "NetworkPolicy", "metadata": {"name": "orders-np", "namespace": namespace},
            "spec": {"podSelector": selector if selector is not None
                     else {"matchLabels": dict(LABELS)}}}


def svc(selector: Any) -> dict[str, Any]:
    return {"kind": "Service", "metadata": {"name": "orders", "namespace": "shop"},
            "spec": {"selector": selector, "ports": [{"port": 80}]}}


def every_order(*props: dict[str, Any]) -> list[list[PolicyResource]]:
    return [[res(p) for p in order] for order in itertools.permutations(props)]


# --- disruption budgets ---------------------------------------------------------------------

def test_replicated_deployment_with_roomy_pdb_passes_in_any_order() -> None:
    for stack in every_order(deployment(replicas=3), pdb(maxUnavailable=1), hpa(3)):
        assert check_disruption_budgets(stack, {}) == []


def test_single_replica_deployment_needs_no_pdb() -> None:
    assert check_disruption_budgets([res(deployment(replicas=1))], {}) == []
    assert check_disruption_budgets([res(deployment())], {}) == []


def test_fails_when_replicated_deployment_has_no_pdb() -> None:
    for stack in every_order(deployment(replicas=3), pdb(maxUnavailable=1) | {
            "metadata": {"name": "other", "namespace": "elsewhere"}}):
        out = check_disruption_budgets(stack, {})
        assert out == [
            "Deployment 'shop/orders' runs 3 replicas but no PodDisruptionBudget selects its "
            "pods. Add a PodDisruptionBudget in its namespace whose selector matches "
            "spec.template.metadata.labels, with maxUnavailable: 1."
        ]
        assert out.urn(0) == urn("Deployment", "orders")


def test_fails_when_hpa_scaled_deployment_has_no_pdb() -> None:
    assert check_disruption_budgets([res(hpa(2)), res(deployment())], {}) == [
        "Deployment 'shop/orders' scaled by HorizontalPodAutoscaler 'orders-hpa' from 2 replicas "
        "but no PodDisruptionBudget selects its pods. Add a PodDisruptionBudget in its namespace "
        "whose selector matches spec.template.metadata.labels, with maxUnavailable: 1."
    ]


@pytest.mark.parametrize(
    ("spec", "field", "value"),
    [({"minAvailable": 2}, "spec.minAvailable", 2),
     ({"minAvailable": "100%"}, "spec.minAvailable", "100%"),
     ({"maxUnavailable": 0}, "spec.maxUnavailable", 0)],
)
def test_fails_when_pdb_allows_no_eviction_at_hpa_minimum(
    spec: dict[str, Any], field: str, value: Any
) -> None:
    out = check_disruption_budgets([res(pdb(**spec)), res(hpa(2)), res(deployment())], {})
    assert out == [
        f"PodDisruptionBudget 'shop/orders-pdb': {field} {value!r} allows no eviction of "
        "Deployment 'shop/orders' at the HPA minimum of 2, so node drains and upgrades block. "
        "Use maxUnavailable: 1, or raise the minimum replicas above minAvailable."
    ]
    assert out.urn(0) == urn("PodDisruptionBudget", "orders-pdb")


def test_percentages_round_up_like_the_disruption_controller() -> None:
    stack = [res(deployment(replicas=3)), res(pdb(maxUnavailable="10%"))]
    assert check_disruption_budgets(stack, {}) == []
    stack = [res(deployment(replicas=3)), res(pdb(minAvailable="50%"))]
    assert check_disruption_budgets(stack, {}) == []


def test_fails_for_pdb_without_constraint_or_with_two_pdbs() -> None:
    assert check_disruption_budgets([res(deployment(replicas=2)), res(pdb())], {}) == [
        "PodDisruptionBudget 'shop/orders-pdb' (covering Deployment 'shop/orders') sets neither "
        "spec.maxUnavailable nor spec.minAvailable. Set maxUnavailable: 1."
    ]
    second = pdb(maxUnavailable=1) | {"metadata": {"name": "b", "namespace": "shop"}}
    assert check_disruption_budgets(
        [res(deployment(replicas=2)), res(pdb(maxUnavailable=1)), res(second)], {}) == [
        "Deployment 'shop/orders': its pods are selected by more than one PodDisruptionBudget "
        "('b', 'orders-pdb'), so the eviction API refuses to evict them. Keep one."
    ]


def test_unknown_replicas_defer_the_pdb_check() -> None:
    out = check_disruption_budgets([res(deployment(replicas=UNKNOWN))], {})
    assert out == []
    assert out.unknown == ["Deployment 'shop/orders': spec.replicas"]


# --- network policies, services, HPA targets ------------------------------------------------

def test_workload_selected_by_network_policy_passes_in_any_order() -> None:
    for stack in every_order(deployment(), netpol()):
        assert check_network_policies(stack, {}) == []
    assert check_network_policies([res(netpol({})), res(deployment())], {}) == []


@pytest.mark.parametrize(
    "policy",
    [netpol({"matchLabels": {"app.kubernetes.io/name": "payments"}}),
     netpol(namespace="other"),
     netpol({"matchExpressions": [{"key": "tier", "operator": "Exists"}]})],
)
def test_fails_when_no_network_policy_selects_the_pods(policy: dict[str, Any]) -> None:
    out = check_network_policies([res(deployment()), res(policy)], {})
    assert out == [
        "Deployment 'shop/orders': no NetworkPolicy in namespace 'shop' selects its pods, so "
        "they accept traffic from anywhere. Add a NetworkPolicy whose podSelector matches the "
        "pod template's labels."
    ]


def test_unknown_policy_selector_defers_rather_than_fails() -> None:
    out = check_network_policies([res(deployment()), res(netpol({"matchLabels": UNKNOWN}))], {})
    assert out == []


def test_service_selecting_a_workload_passes_in_any_order() -> None:
    for stack in every_order(svc(dict(LABELS)), deployment()):
        assert check_service_selectors(stack, {}) == []


def test_fails_when_service_selects_nothing() -> None:
    assert check_service_selectors([res(svc({"app": "ordrs"})), res(deployment())], {}) == [
        "Service 'shop/orders': spec.selector (app=ordrs) matches no workload's pods in namespace "
        "'shop'. Fix the selector to match the pod template labels of the workload it fronts."
    ]
    assert check_service_selectors([res(svc(None))], {}) == [
        "Service 'shop/orders' has no spec.selector, so it selects no pods. Set spec.selector to "
        "the pod labels of the workload it fronts (or exempt it if its endpoints are managed by "
        "hand)."
    ]


def test_hpa_with_existing_target_without_replicas_passes() -> None:
    for stack in every_order(hpa(), deployment()):
        assert check_hpa_targets(stack, {}) == []


def test_fails_when_hpa_target_is_missing() -> None:
    assert check_hpa_targets([res(hpa(target="ordres")), res(deployment())], {}) == [
        "HorizontalPodAutoscaler 'shop/orders-hpa': spec.scaleTargetRef names Deployment "
        "'ordres', which is not in this stack's namespace 'shop'. Point scaleTargetRef at the "
        "workload's kind and metadata.name."
    ]


def test_fails_when_hpa_target_sets_replicas() -> None:
    for stack in every_order(hpa(), deployment(replicas=3)):
        out = check_hpa_targets(stack, {})
        assert out == [
            "Deployment 'shop/orders' sets spec.replicas (3) while HorizontalPodAutoscaler "
            "'shop/orders-hpa' scales it, so every update resets the autoscaler's replica count. "
            "Remove spec.replicas from the Deployment."
        ]
        assert out.urn(0) == urn("Deployment", "orders")


# --- prod rules -----------------------------------------------------------------------------

def test_prod_replicas_counts_the_hpa_minimum() -> None:
    assert check_prod_replicas([res(deployment(replicas=3))], {"minReplicas": 3}) == []
    assert check_prod_replicas([res(hpa(3)), res(deployment())], {"minReplicas": 3}) == []
    assert check_prod_replicas([res(hpa(2)), res(deployment())], {"minReplicas": 3}) == [
        "Deployment 'shop/orders' runs as few as 2 replica(s) (spec.minReplicas of "
        "HorizontalPodAutoscaler 'orders-hpa'); production needs at least 3. Raise "
        "spec.minReplicas of HorizontalPodAutoscaler 'orders-hpa' to 3 or more."
    ]
    assert check_prod_replicas([res(deployment())], {}) == [
        "Deployment 'shop/orders' runs as few as 1 replica(s) (spec.replicas); production needs "
        "at least 2. Raise spec.replicas to 2 or more."
    ]


def track(name: str, replicas: int, track_label: str) -> dict[str, Any]:
    """A canary-style track: its own Deployment, pods also carrying `slipway.dev/track`."""
    d = deployment(name=name, replicas=replicas)
    labels = {**LABELS, "slipway.dev/track": track_label}
    d["spec"]["selector"] = {"matchLabels": labels}
    d["spec"]["template"]["metadata"]["labels"] = labels
    return d


def test_prod_replicas_counts_a_canary_track_with_the_service_it_serves_behind() -> None:
    stable, canary = track("orders", 3, "stable"), track("orders-canary", 1, "canary")
    # The Service `orders` selects both tracks: 4 pods behind it, one lost pod leaves 3.
    for order in every_order(stable, canary, svc(dict(LABELS))):
        assert check_prod_replicas(order, {"minReplicas": 3}) == []
    # A Service that selects only the canary track does not carry it.
    alone = svc({**LABELS, "slipway.dev/track": "canary"})
    assert check_prod_replicas([res(stable), res(canary), res(alone)], {"minReplicas": 3}) == [
        "Deployment 'shop/orders-canary' runs as few as 1 replica(s) (spec.replicas); "
        "production needs at least 3. Raise spec.replicas to 3 or more."]
    # Too few in all: both tracks are reported.
    small = track("orders", 1, "stable")
    assert len(check_prod_replicas([res(small), res(canary), res(svc(dict(LABELS)))],
                                   {"minReplicas": 3})) == 2


def test_prod_zone_spread() -> None:
    assert check_prod_zone_spread([res(deployment())], {"requireDoNotSchedule": True}) == []
    d = deployment()
    spec = d["spec"]["template"]["spec"]
    path = "spec.template.spec.topologySpreadConstraints"
    spec["topologySpreadConstraints"][0]["whenUnsatisfiable"] = "ScheduleAnyway"
    assert check_prod_zone_spread([res(d)], {}) == []
    assert check_prod_zone_spread([res(d)], {"requireDoNotSchedule": True}) == [
        f"Deployment 'shop/orders': its topology spread constraint on "
        f"'topology.kubernetes.io/zone' ({path}) is whenUnsatisfiable: ScheduleAnyway; "
        "production requires DoNotSchedule. Set whenUnsatisfiable: DoNotSchedule."
    ]
    spec["topologySpreadConstraints"][0]["labelSelector"] = {"matchLabels": {"app": "x"}}
    assert check_prod_zone_spread([res(d)], {}) == [
        f"Deployment 'shop/orders': its topology spread constraint on "
        f"'topology.kubernetes.io/zone' ({path}) has a labelSelector that does not select its "
        "own pods, so it spreads nothing. Set labelSelector to match the pod template labels."
    ]
    del spec["topologySpreadConstraints"]
    assert check_prod_zone_spread([res(d)], {}) == [
        f"Deployment 'shop/orders' has no topology spread constraint on "
        f"'topology.kubernetes.io/zone' ({path}), so one zone outage can take all its pods. Add "
        "one with maxSkew: 1 and a labelSelector matching its pod labels."
    ]


def test_exempt_workload_is_skipped_by_stack_rules() -> None:
    d = deployment(replicas=3)
    d["metadata"]["annotations"] = {
        "slipway.dev/exempt.slipway-k8s-workload-disruption-budget":
            '{"reason": "batch consumer, drained by hand", "expires": "2026-12-31"}'}
    assert check_disruption_budgets([res(d)], {}, today=TODAY) == []
    assert len(check_disruption_budgets([res(d)], {}, today=date(2027, 1, 1))) == 1


# --- freeze windows -------------------------------------------------------------------------

WINDOW = {"start": "2026-12-18T00:00:00Z", "end": "2027-01-04T00:00:00Z",
          "reason": "end-of-year freeze"}


def stack(name: str) -> list[PolicyResource]:
    """A stack's resources as the engine passes them: their URNs name the stack."""
    return [PolicyResource("pulumi:pulumi:Stack", {},
                           f"urn:pulumi:{name}::slipway::pulumi:pulumi:Stack::slipway-{name}",
                           f"slipway-{name}", OPTIONS, None, None, [], {}),
            res(deployment()) if name == "dev" else
            PolicyResource(TYPES["Deployment"], deployment(),
                           f"urn:pulumi:{name}::slipway::{TYPES['Deployment']}::orders",
                           "orders", OPTIONS, None, None, [], {})]


def test_freeze_reads_the_stack_from_the_urns_the_engine_gives_resources() -> None:
    assert stack_of(stack("prod")) == "prod"
    assert stack_of(stack("dev")) == "dev"
    assert stack_of([]) is None


def test_freeze_refuses_prod_updates_inside_a_window() -> None:
    inside = datetime(2026, 12, 24, tzinfo=UTC)
    assert check_freeze(stack("prod"), {"windows": [WINDOW]}, inside) == [
        "Updates to stack 'prod' are refused during the freeze from 2026-12-18T00:00:00+00:00 to "
        "2027-01-04T00:00:00+00:00 (end-of-year freeze). Wait until the window closes, or have "
        "the freeze window changed in the policy config for an approved emergency change."
    ]


def test_freeze_lets_other_stacks_and_other_times_through() -> None:
    inside = datetime(2026, 12, 24, tzinfo=UTC)
    assert check_freeze(stack("dev"), {"windows": [WINDOW]}, inside) == []
    assert check_freeze(stack("prod"), {"windows": [WINDOW]},
                        datetime(2027, 1, 4, tzinfo=UTC)) == []
    assert check_freeze(stack("dev"), {"windows": [WINDOW], "stacks": ["prod", "dev"]}, inside)


def test_freeze_applies_when_the_stack_cannot_be_told() -> None:
    inside = datetime(2026, 12, 24, tzinfo=UTC)
    assert len(check_freeze([], {"windows": [WINDOW]}, inside)) == 1


@pytest.mark.parametrize(
    ("window", "error"),
    [({**WINDOW, "start": "soon"}, r"windows\[0\].start \('soon'\) is not an ISO 8601"),
     ({**WINDOW, "end": "2026-12-01T00:00:00"}, r"windows\[0\].end .* with a time zone"),
     ({**WINDOW, "end": "2026-12-01T00:00:00Z"}, r"windows\[0\] ends before it starts"),
     ({**WINDOW, "reason": ""}, r"windows\[0\] needs a reason"),
     ("always", r"windows\[0\] must be an object")],
)
def test_freeze_refuses_bad_windows(window: Any, error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        check_freeze(stack("prod"), {"windows": [window]})
