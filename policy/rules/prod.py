"""Production-only rules: enough replicas, spread across zones. Enabled by the prod config."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Final

from rules.config import settings
from rules.disruption import hpa_for, min_replicas
from rules.exemptions import is_exempt
from rules.k8s import (
    SERVICE_TYPE,
    UNKNOWN,
    Violations,
    as_list,
    fmt,
    get,
    has_unknown,
    lookup,
    pod_labels,
    pod_spec_path,
    selected_by,
    selector_matches,
    stack_resources,
    workloads,
)

REPLICAS_RULE: Final = "slipway-k8s-workload-prod-replicas"
REPLICAS_DESCRIPTION: Final = (
    "In production every Deployment and StatefulSet runs at least the configured minimum of "
    "replicas, counting the HorizontalPodAutoscaler's minimum when one scales it; a smaller "
    "one (a canary track) passes when a Service that selects its pods has that minimum in all."
)
REPLICAS_DEFAULTS: Final[dict[str, Any]] = {
    "minReplicas": 2,
    "kinds": ["Deployment", "StatefulSet"],
}

SPREAD_RULE: Final = "slipway-k8s-workload-prod-zone-spread"
SPREAD_DESCRIPTION: Final = (
    "In production every Deployment and StatefulSet spreads its pods across zones with a "
    "topology spread constraint on the zone label that selects its own pods."
)
SPREAD_DEFAULTS: Final[dict[str, Any]] = {
    "topologyKey": "topology.kubernetes.io/zone",
    "requireDoNotSchedule": False,
    "kinds": ["Deployment", "StatefulSet"],
}


def check_prod_replicas(
    resources: Iterable[Any], config: Mapping[str, Any] | None = None, today: date | None = None
) -> Violations:
    opts = settings(REPLICAS_RULE, config, REPLICAS_DEFAULTS)
    out = Violations()
    stack = stack_resources(resources)
    for w in out.each(workloads(stack)):
        if w.kind not in opts["kinds"] or is_exempt(w.props, REPLICAS_RULE, today):
            continue
        hpa = hpa_for(w, stack)
        replicas = min_replicas(w, hpa, out)
        if replicas is None or replicas >= opts["minReplicas"]:
            continue
        if _replicas_behind_services(w, stack, opts["kinds"]) >= opts["minReplicas"]:
            continue  # e.g. a canary track beside its stable track, behind the same Service
        where = (f"spec.minReplicas of HorizontalPodAutoscaler '{hpa.name}'" if hpa is not None
                 else "spec.replicas")
        out.add(
            f"{w.label} runs as few as {replicas} replica(s) ({where}); production needs at "
            f"least {opts['minReplicas']}. Raise {where} to {opts['minReplicas']} or more.",
            w.urn,
        )
    return out


def _replicas_behind_services(workload: Any, stack: list[Any], kinds: list[str]) -> int:
    """The most replicas any Service selecting `workload`'s pods has behind it, over every
    workload of `kinds` it selects (0 when no Service does). Users reach a service through its
    Service, so that total is what one lost pod is taken from."""
    scratch = Violations()  # unknowns here only widen the answer; the rule's own notes stand
    services = [(r, {"matchLabels": selector}) for r in stack if r.type == SERVICE_TYPE
                for selector in [lookup(r.props, ("spec", "selector"))]
                if isinstance(selector, dict) and selector]
    best = 0
    for service in selected_by(workload, services, scratch)[0]:
        behind = [(service, {"matchLabels": lookup(service.props, ("spec", "selector"))})]
        total = 0
        for other in workloads(stack):
            if other.kind in kinds and selected_by(other, behind, scratch)[0]:
                total += min_replicas(other, hpa_for(other, stack), scratch) or 0
        best = max(best, total)
    return best


def check_prod_zone_spread(
    resources: Iterable[Any], config: Mapping[str, Any] | None = None, today: date | None = None
) -> Violations:
    opts = settings(SPREAD_RULE, config, SPREAD_DEFAULTS)
    key = opts["topologyKey"]
    out = Violations()
    for w in out.each(workloads(stack_resources(resources))):
        if w.kind not in opts["kinds"] or is_exempt(w.props, SPREAD_RULE, today):
            continue
        path = (*pod_spec_path(w.kind), "topologySpreadConstraints")
        constraints = get(w.props, path, out)
        labels = pod_labels(w.props, w.kind, out)
        if constraints is UNKNOWN or labels is None:
            continue
        if has_unknown(constraints):
            out.defer(fmt(path))
            continue
        zonal = [c for c in as_list(constraints)
                 if isinstance(c, dict) and c.get("topologyKey") == key]
        fits = [c for c in zonal if selector_matches(c.get("labelSelector"), labels)
                and c.get("labelSelector")]
        hard = [c for c in fits if c.get("whenUnsatisfiable") == "DoNotSchedule"]
        if not zonal:
            out.add(f"{w.label} has no topology spread constraint on '{key}' ({fmt(path)}), so "
                    f"one zone outage can take all its pods. Add one with maxSkew: 1 and a "
                    f"labelSelector matching its pod labels.", w.urn)
        elif not fits:
            out.add(f"{w.label}: its topology spread constraint on '{key}' ({fmt(path)}) has a "
                    f"labelSelector that does not select its own pods, so it spreads nothing. "
                    f"Set labelSelector to match the pod template labels.", w.urn)
        elif opts["requireDoNotSchedule"] and not hard:
            out.add(f"{w.label}: its topology spread constraint on '{key}' ({fmt(path)}) is "
                    f"whenUnsatisfiable: ScheduleAnyway; production requires DoNotSchedule. "
                    f"Set whenUnsatisfiable: DoNotSchedule.", w.urn)
    return out
