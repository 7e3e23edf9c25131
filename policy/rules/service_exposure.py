"""Services of type LoadBalancer or NodePort only where the policy config allows them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from rules.config import settings
from rules.k8s import UNKNOWN, Violations, get, kind_of, label

RULE: Final = "slipway-k8s-service-exposure"
DESCRIPTION: Final = (
    "A Service is of type LoadBalancer or NodePort only when the policy config allows that "
    "Service by namespace/name (or namespace/*), so nothing is exposed outside the cluster by "
    "accident."
)
DEFAULTS: Final[dict[str, Any]] = {
    "allowLoadBalancer": [],  # e.g. ["gateway/ingress", "gateway/*"]
    "allowNodePort": [],
}


def _allowed(namespace: str, name: str, allowed: list[str]) -> bool:
    return f"{namespace}/{name}" in allowed or f"{namespace}/*" in allowed


def check_service_exposure(
    props: Mapping[str, Any], config: Mapping[str, Any] | None = None
) -> Violations:
    opts = settings(RULE, config, DEFAULTS)
    out = Violations()
    if kind_of(props) != "Service":
        return out
    kind = get(props, ("spec", "type"), out)
    if kind not in ("LoadBalancer", "NodePort"):
        return out
    setting = f"allow{kind}"
    name = get(props, ("metadata", "name"), out)
    namespace = get(props, ("metadata", "namespace"), out) or "default"
    if name is UNKNOWN or namespace is UNKNOWN:
        return out
    if not isinstance(name, str) or not name:
        out.add(f"{label(props)}: spec.type is {kind} but the Service has no metadata.name to "
                f"match against the policy config. Name it, then add namespace/name to {setting}.")
        return out
    if not _allowed(str(namespace), str(name), opts[setting]):
        out.add(
            f"{label(props)}: spec.type is {kind}, which exposes it outside the cluster, and "
            f"{namespace}/{name} is not in the policy config's {setting}. Use ClusterIP behind "
            f"the gateway, or add '{namespace}/{name}' to {setting}."
        )
    return out
