"""Traffic splits: route weights add up to 100 and every backend is a Service of the stack.

Gateway API HTTPRoutes (``spec.rules[].backendRefs[]``: name, port, weight, optional
group/kind/namespace) and Istio VirtualServices (``spec.http[].route[]``: destination.host,
weight). A rule with more than one backend must give every backend an explicit weight, and the
weights must add up to 100: Kubernetes reads a missing HTTPRoute weight as 1, which silently
turns "50/50 plus a forgotten one" into something else, and Istio requires them.

A backend of kind Service (the default; group "" for HTTPRoute) must name a Service of the same
stack, in the backendRef's namespace (the route's when omitted). An Istio host is a Service's
short name (the VirtualService's namespace) or ``<name>.<namespace>.svc.cluster.local``; any
other host (an external name, a ServiceEntry) is not checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from rules.config import settings
from rules.exemptions import is_exempt
from rules.k8s import (
    SERVICE_TYPE,
    UNKNOWN,
    Path,
    Resource,
    Violations,
    as_list,
    fmt,
    get,
    has_unknown,
    is_unknown,
    stack_resources,
)

RULE: Final = "slipway-k8s-route-weights"
DESCRIPTION: Final = (
    "Every HTTPRoute rule and Istio VirtualService http route with more than one backend gives "
    "each an explicit weight and the weights add up to 100, and every Service backend names a "
    "Service of the stack in its namespace."
)
DEFAULTS: Final[dict[str, Any]] = {}

HTTPROUTE_TYPE: Final = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"
VIRTUAL_SERVICE_TYPES: Final = frozenset(
    {
        "kubernetes:networking.istio.io/v1:VirtualService",
        "kubernetes:networking.istio.io/v1beta1:VirtualService",
    }
)
CLUSTER_SUFFIX: Final = ".svc.cluster.local"


@dataclass(frozen=True)
class Backend:
    """One backend of a route rule: where it sits, its weight and the Service it names."""

    path: Path  # e.g. spec.rules[0].backendRefs[1]
    weight_field: str  # "weight"
    weight: Any  # None when missing, UNKNOWN when unknown in preview
    service: tuple[str, str] | None  # (namespace, name) when it names a Kubernetes Service
    shown: str  # how the message names it
    name_field: str  # the field that names the Service, for messages


def _httproute_backends(
    route: Resource, namespace: str | None, out: Violations
) -> list[tuple[Path, list[Backend]]]:
    rules: list[tuple[Path, list[Backend]]] = []
    items = get(route.props, ("spec", "rules"), out)
    for index, rule in enumerate(as_list(items)):
        rule_path: Path = ("spec", "rules", index)
        if is_unknown(rule):
            out.defer(fmt(rule_path))
            continue
        refs = get(rule, ("backendRefs",), out, rule_path)
        backends: list[Backend] = []
        for ref_index, ref in enumerate(as_list(refs)):
            path: Path = (*rule_path, "backendRefs", ref_index)
            if is_unknown(ref) or not isinstance(ref, dict):
                if is_unknown(ref):
                    out.defer(fmt(path))
                continue
            weight = get(ref, ("weight",), out, path)
            name = get(ref, ("name",), out, path)
            kind = get(ref, ("kind",), out, path)
            group = get(ref, ("group",), out, path)
            ref_ns = get(ref, ("namespace",), out, path)
            service: tuple[str, str] | None = None
            if UNKNOWN in (name, kind, group, ref_ns):
                service = None
            elif (kind or "Service") == "Service" and not group and isinstance(name, str):
                ns = ref_ns if isinstance(ref_ns, str) and ref_ns else namespace
                if ns is not None:
                    service = (ns, name)
            shown = f"'{name}'" if isinstance(name, str) else f"#{ref_index}"
            backends.append(Backend(path, "weight", weight, service, shown, "name"))
        rules.append((rule_path, backends))
    return rules


def _istio_service(host: str, namespace: str | None) -> tuple[str, str] | None:
    """The (namespace, name) of the Kubernetes Service an Istio host names, if it names one."""
    if "." not in host:
        return (namespace, host) if namespace is not None else None
    if host.endswith(CLUSTER_SUFFIX):
        parts = host[: -len(CLUSTER_SUFFIX)].split(".")
        if len(parts) == 2 and all(parts):
            return parts[1], parts[0]
    return None


def _virtual_service_backends(
    route: Resource, namespace: str | None, out: Violations
) -> list[tuple[Path, list[Backend]]]:
    rules: list[tuple[Path, list[Backend]]] = []
    items = get(route.props, ("spec", "http"), out)
    for index, rule in enumerate(as_list(items)):
        rule_path: Path = ("spec", "http", index)
        if is_unknown(rule):
            out.defer(fmt(rule_path))
            continue
        destinations = get(rule, ("route",), out, rule_path)
        backends: list[Backend] = []
        for dest_index, dest in enumerate(as_list(destinations)):
            path: Path = (*rule_path, "route", dest_index)
            if is_unknown(dest) or not isinstance(dest, dict):
                if is_unknown(dest):
                    out.defer(fmt(path))
                continue
            weight = get(dest, ("weight",), out, path)
            host = get(dest, ("destination", "host"), out, path)
            service = _istio_service(host, namespace) if isinstance(host, str) else None
            shown = f"'{host}'" if isinstance(host, str) else f"#{dest_index}"
            backends.append(Backend(path, "weight", weight, service, shown, "destination.host"))
        rules.append((rule_path, backends))
    return rules


def _check_weights(
    route: Resource, rule_path: Path, backends: list[Backend], out: Violations
) -> None:
    if len(backends) < 2 or any(b.weight is UNKNOWN for b in backends):
        return
    where = fmt(rule_path)
    missing = [b for b in backends if b.weight is None]
    if missing:
        fields = ", ".join(f"{fmt(b.path)}.{b.weight_field} ({b.shown})" for b in missing)
        default = ("Kubernetes reads a missing weight as 1" if route.type == HTTPROUTE_TYPE
                   else "Istio needs a weight on every destination")
        out.add(
            f"{route.label}: rule {where} has {len(backends)} backends but no weight on "
            f"{fields}; {default}. Give every backend of the rule an explicit weight, the "
            f"weights adding up to 100.",
            route.urn,
        )
        return
    bad = [b for b in backends
           if not isinstance(b.weight, int) or isinstance(b.weight, bool) or b.weight < 0]
    if bad:
        fields = ", ".join(f"{fmt(b.path)}.{b.weight_field} ({b.weight!r})" for b in bad)
        out.add(
            f"{route.label}: rule {where} has weights that are not whole numbers from 0 to 100: "
            f"{fields}. Set each weight to an integer, the weights adding up to 100.",
            route.urn,
        )
        return
    total = sum(b.weight for b in backends)
    if total != 100:
        parts = ", ".join(f"{b.shown} {b.weight}" for b in backends)
        out.add(
            f"{route.label}: the weights of rule {where} ({fmt(backends[0].path[:-1])}[*]."
            f"{backends[0].weight_field}: {parts}) add up to {total}, not 100. Change them so "
            f"they add up to 100.",
            route.urn,
        )


def check_route_weights(
    resources: Iterable[Any], config: Mapping[str, Any] | None = None, today: date | None = None
) -> Violations:
    settings(RULE, config, DEFAULTS)
    out = Violations()
    stack = stack_resources(resources)
    services: set[tuple[str, str]] = set()
    services_uncertain = False
    for svc in out.each(stack):
        if svc.type == SERVICE_TYPE:
            if svc.namespace is None or svc.name is None:
                services_uncertain = True
            else:
                services.add((svc.namespace, svc.name))
    for route in out.each(stack):
        if route.type == HTTPROUTE_TYPE:
            collect = _httproute_backends
        elif route.type in VIRTUAL_SERVICE_TYPES:
            collect = _virtual_service_backends
        else:
            continue
        if is_exempt(route.props, RULE, today):
            continue
        namespace = route.namespace
        if namespace is None:
            out.defer("metadata.namespace")
        for rule_path, backends in collect(route, namespace, out):
            _check_weights(route, rule_path, backends, out)
            for b in backends:
                if b.service is None or b.service in services:
                    continue
                if services_uncertain or has_unknown(b.service):
                    out.defer("metadata.name of a Service it routes to")
                    continue
                ns, name = b.service
                out.add(
                    f"{route.label}: rule {fmt(rule_path)} sends traffic to Service "
                    f"'{ns}/{name}' ({fmt(b.path)}.{b.name_field}), which is not in this "
                    f"stack. Point {b.name_field} at a Service of the stack in namespace "
                    f"'{ns}', or add that Service.",
                    route.urn,
                )
    return out
