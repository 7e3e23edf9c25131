"""Network isolation and wiring: NetworkPolicies cover every pod, Services and HPAs hit targets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Final

from rules.config import settings
from rules.exemptions import is_exempt
from rules.k8s import (
    HPA_TYPES,
    NETWORK_POLICY_TYPE,
    SERVICE_TYPE,
    UNKNOWN,
    WORKLOAD_KINDS,
    Violations,
    get,
    has_unknown,
    lookup,
    pod_labels,
    selected_by,
    selector_matches,
    stack_resources,
    workloads,
)

NETWORK_POLICY_RULE: Final = "slipway-k8s-workload-network-policy"
NETWORK_POLICY_DESCRIPTION: Final = (
    "Every workload's pods are selected by at least one NetworkPolicy in their namespace, so "
    "their traffic is allowed explicitly rather than by default."
)
NETWORK_POLICY_DEFAULTS: Final[dict[str, Any]] = {"kinds": sorted(WORKLOAD_KINDS)}

SERVICE_RULE: Final = "slipway-k8s-service-selector"
SERVICE_DESCRIPTION: Final = (
    "Every Service (other than ExternalName) has a selector that matches the pods of a workload "
    "in the same namespace and stack."
)
SERVICE_DEFAULTS: Final[dict[str, Any]] = {}

HPA_RULE: Final = "slipway-k8s-hpa-target"
HPA_DESCRIPTION: Final = (
    "Every HorizontalPodAutoscaler targets a workload of the stack, and that workload leaves "
    "spec.replicas unset so deployments do not fight the autoscaler."
)
HPA_DEFAULTS: Final[dict[str, Any]] = {}


def check_network_policies(
    resources: Iterable[Any], config: Mapping[str, Any] | None = None, today: date | None = None
) -> Violations:
    opts = settings(NETWORK_POLICY_RULE, config, NETWORK_POLICY_DEFAULTS)
    out = Violations()
    stack = stack_resources(resources)
    policies = [
        (r, lookup(r.props, ("spec", "podSelector")))
        for r in stack
        if r.type == NETWORK_POLICY_TYPE
    ]
    for w in out.each(workloads(stack)):
        if w.kind not in opts["kinds"] or is_exempt(w.props, NETWORK_POLICY_RULE, today):
            continue
        matches, uncertain = selected_by(w, policies, out)
        if not matches and not uncertain:
            out.add(
                f"{w.label}: no NetworkPolicy in namespace '{w.namespace}' selects its pods, so "
                f"they accept traffic from anywhere. Add a NetworkPolicy whose podSelector "
                f"matches the pod template's labels.",
                w.urn,
            )
    return out


def check_service_selectors(
    resources: Iterable[Any], config: Mapping[str, Any] | None = None, today: date | None = None
) -> Violations:
    settings(SERVICE_RULE, config, SERVICE_DEFAULTS)
    out = Violations()
    stack = stack_resources(resources)
    pods = []
    uncertain = False
    for w in out.each(workloads(stack)):
        labels = pod_labels(w.props, w.kind, out)
        if labels is None or w.namespace is None:
            uncertain = True
            continue
        pods.append((w.namespace, labels))
    for svc in out.each(stack):
        if svc.type != SERVICE_TYPE or is_exempt(svc.props, SERVICE_RULE, today):
            continue
        kind = get(svc.props, ("spec", "type"), out)
        selector = get(svc.props, ("spec", "selector"), out)
        if kind in (UNKNOWN, "ExternalName") or selector is UNKNOWN or svc.namespace is None:
            continue
        if has_unknown(selector):
            out.defer("spec.selector")
            continue
        if not isinstance(selector, dict) or not selector:
            out.add(
                f"{svc.label} has no spec.selector, so it selects no pods. Set spec.selector to "
                f"the pod labels of the workload it fronts (or exempt it if its endpoints are "
                f"managed by hand).",
                svc.urn,
            )
            continue
        if uncertain or any(
            ns == svc.namespace and selector_matches({"matchLabels": selector}, labels)
            for ns, labels in pods
        ):
            continue
        shown = ", ".join(f"{k}={v}" for k, v in sorted(selector.items()))
        out.add(
            f"{svc.label}: spec.selector ({shown}) matches no workload's pods in namespace "
            f"'{svc.namespace}'. Fix the selector to match the pod template labels of the "
            f"workload it fronts.",
            svc.urn,
        )
    return out


def check_hpa_targets(
    resources: Iterable[Any], config: Mapping[str, Any] | None = None, today: date | None = None
) -> Violations:
    settings(HPA_RULE, config, HPA_DEFAULTS)
    out = Violations()
    stack = stack_resources(resources)
    for hpa in out.each(stack):
        if hpa.type not in HPA_TYPES or is_exempt(hpa.props, HPA_RULE, today):
            continue
        ref = get(hpa.props, ("spec", "scaleTargetRef"), out)
        if ref is UNKNOWN or has_unknown(ref) or hpa.namespace is None:
            if ref is not UNKNOWN and has_unknown(ref):
                out.defer("spec.scaleTargetRef")
            continue
        kind = ref.get("kind") if isinstance(ref, dict) else None
        name = ref.get("name") if isinstance(ref, dict) else None
        candidates = [r for r in stack if r.kind == kind]
        target = next((r for r in candidates if r.name == name and r.namespace == hpa.namespace),
                      None)
        if target is None:
            if any(r.name is None or r.namespace is None for r in candidates):
                out.defer(f"metadata.name of a {kind} it may target")
                continue
            out.add(
                f"{hpa.label}: spec.scaleTargetRef names {kind} '{name}', which is not in this "
                f"stack's namespace '{hpa.namespace}'. Point scaleTargetRef at the workload's "
                f"kind and metadata.name.",
                hpa.urn,
            )
            continue
        replicas = get(target.props, ("spec", "replicas"), out)
        if replicas is not None and replicas is not UNKNOWN and not is_exempt(
            target.props, HPA_RULE, today
        ):
            out.add(
                f"{target.label} sets spec.replicas ({replicas}) while {hpa.label} scales it, "
                f"so every update resets the autoscaler's replica count. Remove spec.replicas "
                f"from the {target.kind}.",
                target.urn,
            )
    return out
