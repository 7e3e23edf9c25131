"""NetworkPolicy rules for one service, derived from the catalog's call graph.

Having both policy types with only these rules is a default deny for the service's pods:
ingress from declared callers, the gateway (public services) and monitoring; egress to the
services it calls, DNS and declared external networks. Nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import labels
from .environment import Environment, PeerSelector
from .spec.service import ServiceSpec

NAMESPACE_NAME = "kubernetes.io/metadata.name"


@dataclass(frozen=True)
class Peer:
    """A service this one calls: its name and the port its pods listen on."""

    name: str
    port: int


def _peer(selector: PeerSelector) -> dict[str, Any]:
    peer: dict[str, Any] = {
        "namespace_selector": {"match_labels": {NAMESPACE_NAME: selector.namespace}}
    }
    if selector.pod_labels:
        peer["pod_selector"] = {"match_labels": dict(selector.pod_labels)}
    return peer


def ingress_rules(spec: ServiceSpec, environment: Environment,
                  callers: Sequence[str]) -> list[dict[str, Any]]:
    ports = [{"port": spec.port, "protocol": "TCP"}]
    rules: list[dict[str, Any]] = []
    if callers:
        rules.append({
            "from_": [{"pod_selector": {"match_expressions": [
                {"key": labels.NAME, "operator": "In", "values": sorted(callers)},
            ]}}],
            "ports": ports,
        })
    if spec.exposure.public:
        rules.append({"from_": [_peer(environment.gateway)], "ports": ports})
    rules.append({"from_": [_peer(environment.monitoring)], "ports": ports})
    return rules


def egress_rules(spec: ServiceSpec, environment: Environment,
                 calls: Sequence[Peer]) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = [{
        "to": [_peer(environment.dns)],
        "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
    }]
    for callee in sorted(calls, key=lambda c: c.name):
        rules.append({
            "to": [{"pod_selector": {"match_labels": {labels.NAME: callee.name}}}],
            "ports": [{"port": callee.port, "protocol": "TCP"}],
        })
    for egress in spec.egress:
        rules.append({
            "to": [{"ip_block": {"cidr": egress.cidr}}],
            "ports": [{"port": port, "protocol": "TCP"} for port in egress.ports],
        })
    return rules


def policy_spec(spec: ServiceSpec, environment: Environment, callers: Sequence[str],
                calls: Sequence[Peer]) -> dict[str, Any]:
    return {
        "pod_selector": {"match_labels": labels.service_selector(spec.name, environment.name)},
        "policy_types": ["Ingress", "Egress"],
        "ingress": ingress_rules(spec, environment, callers),
        "egress": egress_rules(spec, environment, calls),
    }
