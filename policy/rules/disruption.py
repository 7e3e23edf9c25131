"""Replicated workloads have a PodDisruptionBudget that still lets nodes drain."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Final

from rules.config import settings
from rules.exemptions import is_exempt
from rules.k8s import (
    HPA_TYPES,
    PDB_TYPE,
    UNKNOWN,
    Resource,
    Violations,
    fmt,
    get,
    lookup,
    scaled,
    selected_by,
    stack_resources,
    workloads,
)

RULE: Final = "slipway-k8s-workload-disruption-budget"
DESCRIPTION: Final = (
    "Every Deployment or StatefulSet with more than one replica, or scaled by a "
    "HorizontalPodAutoscaler, is covered by exactly one PodDisruptionBudget that allows at least "
    "one eviction at its minimum replica count."
)
DEFAULTS: Final[dict[str, Any]] = {"kinds": ["Deployment", "StatefulSet"]}


def hpa_for(workload: Resource, resources: Iterable[Resource]) -> Resource | None:
    """The HorizontalPodAutoscaler that scales ``workload``, if any."""
    for r in resources:
        if r.type in HPA_TYPES and r.namespace == workload.namespace:
            ref = lookup(r.props, ("spec", "scaleTargetRef"))
            if isinstance(ref, dict) and ref.get("kind") == workload.kind and (
                ref.get("name") == workload.name and workload.name is not None
            ):
                return r
    return None


def min_replicas(workload: Resource, hpa: Resource | None, out: Violations) -> int | None:
    """The fewest replicas the workload runs with: the HPA's minimum, else spec.replicas."""
    if hpa is not None:
        value = get(hpa.props, ("spec", "minReplicas"), out)
    else:
        value = get(workload.props, ("spec", "replicas"), out)
    if value is UNKNOWN:
        return None
    # Both default to 1 when left out.
    return value if isinstance(value, int) and not isinstance(value, bool) else 1


def check_disruption_budgets(
    resources: Iterable[Any], config: Mapping[str, Any] | None = None, today: date | None = None
) -> Violations:
    opts = settings(RULE, config, DEFAULTS)
    out = Violations()
    stack = stack_resources(resources)
    pdbs = [(r, lookup(r.props, ("spec", "selector"))) for r in stack if r.type == PDB_TYPE]
    for w in out.each(workloads(stack)):
        if w.kind not in opts["kinds"] or is_exempt(w.props, RULE, today):
            continue
        hpa = hpa_for(w, stack)
        replicas = min_replicas(w, hpa, out)
        if replicas is None or (hpa is None and replicas <= 1):
            continue
        why = (f"scaled by HorizontalPodAutoscaler '{hpa.name}' from {replicas} replicas"
               if hpa is not None else f"runs {replicas} replicas")
        matches, uncertain = selected_by(w, pdbs, out)
        if not matches:
            if not uncertain:
                out.add(f"{w.label} {why} but no PodDisruptionBudget selects its pods. Add a "
                        f"PodDisruptionBudget in its namespace whose selector matches "
                        f"{fmt(('spec', 'template', 'metadata', 'labels'))}, with "
                        f"maxUnavailable: 1.",
                        w.urn)
            continue
        if len(matches) > 1:
            names = ", ".join(sorted(f"'{m.name}'" for m in matches))
            out.add(f"{w.label}: its pods are selected by more than one PodDisruptionBudget "
                    f"({names}), so the eviction API refuses to evict them. Keep one.", w.urn)
            continue
        pdb = matches[0]
        max_unavailable = get(pdb.props, ("spec", "maxUnavailable"), out)
        min_available = get(pdb.props, ("spec", "minAvailable"), out)
        if UNKNOWN in (max_unavailable, min_available):
            continue
        at = f"at {replicas} replicas" if hpa is None else f"at the HPA minimum of {replicas}"
        if max_unavailable is not None:
            allowed = scaled(max_unavailable, replicas)
            field, value = "spec.maxUnavailable", max_unavailable
        elif min_available is not None:
            needed = scaled(min_available, replicas)
            allowed = None if needed is None else replicas - needed
            field, value = "spec.minAvailable", min_available
        else:
            out.add(f"{pdb.label} (covering {w.label}) sets neither spec.maxUnavailable nor "
                    f"spec.minAvailable. Set maxUnavailable: 1.", pdb.urn)
            continue
        if allowed is None:
            out.add(f"{pdb.label}: {field} {value!r} is neither an integer nor a percentage. "
                    f"Use a number such as 1 or a percentage such as '25%'.", pdb.urn)
        elif allowed < 1:
            out.add(f"{pdb.label}: {field} {value!r} allows no eviction of {w.label} {at}, so "
                    f"node drains and upgrades block. Use maxUnavailable: 1, or raise the "
                    f"minimum replicas above minAvailable.", pdb.urn)
    return out
