"""Traffic routes: Gateway API HTTPRoutes and Istio VirtualServices, as plain dictionaries.

Custom resources take their fields as written in Kubernetes (camelCase). Weights are explicit on
every backend, even alone: the policy pack's route-weights rule reads them, and Kubernetes reads
a missing weight as 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

GATEWAY_API = "gateway.networking.k8s.io/v1"
ISTIO_API = "networking.istio.io/v1"
SERVICE_PORT = 80
# Keys of the resilience mapping a VirtualService http route accepts.
RESILIENCE_KEYS = ("timeout", "retries")


def gateway_parent(gateway_name: str, gateway_namespace: str) -> dict[str, Any]:
    """The shared Gateway public routes attach to (north-south traffic)."""
    return {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": gateway_name,
            "namespace": gateway_namespace}


def service_parent(service_name: str) -> dict[str, Any]:
    """The service's own Service as the parent (GAMMA: east-west traffic inside the mesh)."""
    return {"group": "", "kind": "Service", "name": service_name, "port": SERVICE_PORT}


def backend_refs(backends: Sequence[tuple[str, int]]) -> list[dict[str, Any]]:
    _check_weights(backends)
    return [{"group": "", "kind": "Service", "name": name, "port": SERVICE_PORT,
             "weight": weight} for name, weight in backends]


def http_route_spec(parent: Mapping[str, Any], backends: Sequence[tuple[str, int]], *,
                    hostname: str | None = None, path: str = "/") -> dict[str, Any]:
    """One rule: requests under `path` (for `hostname`, when public) split across backends."""
    spec: dict[str, Any] = {"parentRefs": [dict(parent)]}
    if hostname is not None:
        spec["hostnames"] = [hostname]
    spec["rules"] = [{
        "matches": [{"path": {"type": "PathPrefix", "value": path}}],
        "backendRefs": backend_refs(backends),
    }]
    return spec


def virtual_service_spec(host: str, backends: Sequence[tuple[str, int]],
                         resilience: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Mesh traffic to `host` split across backends (Service short names, this namespace).

    `resilience` (timeout, retries: the Istio http route fields) is merged into every route.
    """
    _check_weights(backends)
    extra = dict(resilience or {})
    unknown = sorted(set(extra) - set(RESILIENCE_KEYS))
    if unknown:
        raise ValueError(
            f"resilience keys {unknown} are not VirtualService route fields this builder merges; "
            f"valid: {', '.join(RESILIENCE_KEYS)}"
        )
    route = {
        "route": [{"destination": {"host": name, "port": {"number": SERVICE_PORT}},
                   "weight": weight} for name, weight in backends],
        **extra,
    }
    return {"hosts": [host], "http": [route]}


def _check_weights(backends: Sequence[tuple[str, int]]) -> None:
    if not backends:
        raise ValueError("a route needs at least one backend")
    total = sum(weight for _, weight in backends)
    if total != 100 or any(not 0 <= weight <= 100 for _, weight in backends):
        raise ValueError(f"backend weights must be 0-100 and add up to 100 (got {list(backends)})")
