"""Per-service Istio resources: circuit breaker, caller allow-list, retries and timeouts.

`create(component, spec, env, namespace, callers)` is the one call the Microservice makes when
the environment has a mesh. It creates:

- a DestinationRule for the service's host: mTLS to the pods, a connection pool and outlier
  detection, so a failing pod is ejected instead of taking every caller down with it;
- an AuthorizationPolicy that allows only the declared callers (by their mTLS identity), the
  gateway namespace (public services) and the monitoring namespace (metrics path only);
- a NetworkPolicy that lets the sidecar reach istiod (its configuration and certificates).

`http_resilience(spec)` is pure: the `timeout` and `retries` keys of a VirtualService http
route, for whoever builds the service's VirtualService.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from . import labels
from .environment import Environment, PeerSelector
from .spec.mesh import MeshPolicy
from .spec.service import ServiceSpec

NETWORKING_API = "networking.istio.io/v1"
SECURITY_API = "security.istio.io/v1"
TRUST_DOMAIN = "cluster.local"
ISTIOD = PeerSelector("istio-system", {"app": "istiod"})
"""Where sidecars fetch configuration and certificates (istiod's xDS and CA port 15012)."""
ISTIOD_PORT = 15012


def seconds(milliseconds: int) -> str:
    """A protobuf duration as Istio reads it: 3000 -> "3s", 250 -> "0.25s"."""
    return format(milliseconds / 1000, "g") + "s"


def service_host(service: str, namespace: str) -> str:
    return f"{service}.{namespace}.svc.cluster.local"


def destination_rule_spec(mesh: MeshPolicy, host: str) -> dict[str, Any]:
    """Traffic policy for one host (pass each Service's host, stable or canary, to reuse it)."""
    breaker = mesh.circuit_breaker
    return {
        "host": host,
        "trafficPolicy": {
            "tls": {"mode": "ISTIO_MUTUAL"},
            "connectionPool": {
                "tcp": {"maxConnections": breaker.max_connections},
                "http": {
                    "http1MaxPendingRequests": breaker.max_pending_requests,
                    "http2MaxRequests": breaker.max_requests,
                },
            },
            "outlierDetection": {
                "consecutive5xxErrors": breaker.consecutive_errors,
                "interval": f"{breaker.interval_seconds}s",
                "baseEjectionTime": f"{breaker.base_ejection_seconds}s",
                "maxEjectionPercent": breaker.max_ejection_percent,
            },
        },
    }


def principal(namespace: str, service_account: str) -> str:
    """The SPIFFE identity Istio gives a workload's ServiceAccount."""
    return f"{TRUST_DOMAIN}/ns/{namespace}/sa/{service_account}"


def authorization_policy_spec(spec: ServiceSpec, env: Environment,
                              callers: Sequence[str]) -> dict[str, Any]:
    """ALLOW rules only: anything they do not match is denied once the policy exists.

    Each caller runs as the ServiceAccount named after it (see Microservice).
    """
    rules: list[dict[str, Any]] = []
    if callers:
        rules.append({"from": [{"source": {
            "principals": [principal(env.namespace, caller) for caller in sorted(callers)]}}]})
    if spec.exposure.public:
        rules.append({"from": [{"source": {"namespaces": [env.gateway.namespace]}}]})
    rules.append({
        "from": [{"source": {"namespaces": [env.monitoring.namespace]}}],
        "to": [{"operation": {"methods": ["GET"], "paths": [spec.metrics.path]}}],
    })
    return {
        "selector": {"matchLabels": labels.service_selector(spec.name, env.name)},
        "action": "ALLOW",
        "rules": rules,
    }


def http_resilience(spec: ServiceSpec) -> dict[str, Any]:
    """`timeout` and `retries` of an Istio VirtualService http route for this service."""
    mesh = spec.mesh
    retries: dict[str, Any] = {"attempts": mesh.retries.attempts}
    if mesh.retries.attempts > 0:
        retries["perTryTimeout"] = seconds(mesh.retries.per_try_timeout_ms)
        retries["retryOn"] = ",".join(mesh.retries.retry_on)
    return {"timeout": seconds(mesh.timeout_ms), "retries": retries}


def istiod_egress_spec(spec: ServiceSpec, env: Environment,
                       istiod: PeerSelector = ISTIOD) -> dict[str, Any]:
    """NetworkPolicies add up: this one only opens the sidecar's path to istiod."""
    return {
        "podSelector": {"matchLabels": labels.service_selector(spec.name, env.name)},
        "policyTypes": ["Egress"],
        "egress": [{
            "to": [{
                "namespaceSelector": {
                    "matchLabels": {"kubernetes.io/metadata.name": istiod.namespace}},
                "podSelector": {"matchLabels": dict(istiod.pod_labels)},
            }],
            "ports": [{"protocol": "TCP", "port": ISTIOD_PORT}],
        }],
    }


def create(component: pulumi.Resource, spec: ServiceSpec, env: Environment,
           namespace: pulumi.Input[str], callers: Sequence[str], *,
           resource_name: str | None = None, hosts: Sequence[str] = (),
           version: str | None = None) -> dict[str, str]:
    """Create the mesh children of `component`; returns {kind: name} for its outputs.

    `hosts` are the service's Kubernetes Services besides `<name>` (canary tracks, the
    blue-green preview): each gets the same circuit breaker, since routes send traffic to them
    by their own host names. `version` is the version label of every object (default the
    spec's version); a Microservice passes its released stable version."""
    if not env.mesh:
        return {}
    prefix = resource_name if resource_name is not None else spec.name
    opts = pulumi.ResourceOptions(parent=component)
    metadata_labels = labels.standard_labels(spec.name, env.name, version or spec.version,
                                             labels.SERVER, spec.team)

    def metadata(name: str) -> dict[str, Any]:
        return {"name": name, "namespace": namespace, "labels": dict(metadata_labels)}

    k8s.apiextensions.CustomResource(
        f"{prefix}-destination-rule",
        api_version=NETWORKING_API,
        kind="DestinationRule",
        metadata=metadata(spec.name),
        spec=destination_rule_spec(spec.mesh, service_host(spec.name, env.namespace)),
        opts=opts,
    )
    names = {"destinationRule": spec.name}
    for host in hosts:
        if host == spec.name:
            continue
        k8s.apiextensions.CustomResource(
            f"{prefix}-{host.removeprefix(spec.name + '-')}-destination-rule",
            api_version=NETWORKING_API,
            kind="DestinationRule",
            metadata=metadata(host),
            spec=destination_rule_spec(spec.mesh, service_host(host, env.namespace)),
            opts=opts,
        )
        names[f"destinationRule:{host}"] = host
    k8s.apiextensions.CustomResource(
        f"{prefix}-authorization-policy",
        api_version=SECURITY_API,
        kind="AuthorizationPolicy",
        metadata=metadata(spec.name),
        spec=authorization_policy_spec(spec, env, callers),
        opts=opts,
    )
    k8s.networking.v1.NetworkPolicy(
        f"{prefix}-istiod-netpol",
        metadata=metadata(f"{spec.name}-istiod"),
        spec=istiod_egress_spec(spec, env),
        opts=opts,
    )
    return {**names, "authorizationPolicy": spec.name,
            "istiodNetworkPolicy": f"{spec.name}-istiod"}
