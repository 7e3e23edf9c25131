"""Autoscaling and disruption budgets: how many pods run, and how many may go at once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import labels
from .environment import Environment
from .spec.scaling import Metric
from .spec.service import ServiceSpec

SCALE_DOWN_WINDOW_SECONDS = 300


def _custom_metric(metric: Metric) -> dict[str, Any]:
    identifier: dict[str, Any] = {"name": metric.name}
    if metric.selector:
        identifier["selector"] = {"match_labels": dict(metric.selector)}
    target = {"type": "AverageValue", "average_value": metric.target}
    if metric.type == "pods":
        return {"type": "Pods", "pods": {"metric": identifier, "target": target}}
    return {"type": "External", "external": {"metric": identifier, "target": target}}


def hpa_metrics(spec: ServiceSpec) -> list[dict[str, Any]]:
    metrics: list[dict[str, Any]] = []
    for resource, utilisation in (("cpu", spec.scaling.cpu), ("memory", spec.scaling.memory)):
        if utilisation is not None:
            metrics.append({
                "type": "Resource",
                "resource": {
                    "name": resource,
                    "target": {"type": "Utilization", "average_utilization": utilisation},
                },
            })
    metrics += [_custom_metric(m) for m in spec.scaling.metrics]
    return metrics


def hpa_spec(spec: ServiceSpec, deployment_name: str) -> dict[str, Any]:
    return {
        "scale_target_ref": {"api_version": "apps/v1", "kind": "Deployment",
                             "name": deployment_name},
        "min_replicas": spec.scaling.min,
        "max_replicas": spec.scaling.max,
        "metrics": hpa_metrics(spec),
        # Scale down slowly: a short dip in load should not drop capacity we need again soon.
        "behavior": {
            "scale_down": {
                "stabilization_window_seconds": SCALE_DOWN_WINDOW_SECONDS,
                "policies": [{"type": "Percent", "value": 50, "period_seconds": 60}],
            },
        },
    }


def pdb_spec(spec: ServiceSpec, environment: Environment,
             selector: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A budget that always allows at least one eviction at the minimum replica count.

    `selector`: the pods of one workload (a canary track or blue-green slot). Default: every
    serving pod of the service."""
    match = dict(selector) if selector is not None else labels.server_selector(
        spec.name, environment.name)
    budget: dict[str, Any] = {
        "selector": {"match_labels": match},
        # Crash-looping pods must not hold a node drain hostage.
        "unhealthy_pod_eviction_policy": "AlwaysAllow",
    }
    if spec.disruption.min_available is not None:
        budget["min_available"] = spec.disruption.min_available
    else:
        budget["max_unavailable"] = (
            spec.disruption.max_unavailable if spec.disruption.max_unavailable is not None else 1
        )
    return budget
