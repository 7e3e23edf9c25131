"""Services of type LoadBalancer or NodePort only where the policy config allows them, and no
Service with externalIPs (CVE-2020-8554: any address claimed in externalIPs has its traffic
sent to the Service's pods, a man-in-the-middle of that address for the whole cluster)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from rules.config import settings
from rules.k8s import UNKNOWN, Violations, as_list, get, is_unknown, kind_of, label

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


EXTERNAL_IPS_RULE: Final = "slipway-k8s-service-external-ips"
EXTERNAL_IPS_DESCRIPTION: Final = (
    "No Service sets spec.externalIPs, which lets it intercept traffic to any address it names "
    "(CVE-2020-8554), unless the policy config allows that Service."
)
EXTERNAL_IPS_DEFAULTS: Final[dict[str, Any]] = {
    "allowExternalIPs": [],  # namespace/name or namespace/*
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


def check_external_ips(
    props: Mapping[str, Any], config: Mapping[str, Any] | None = None
) -> Violations:
    opts = settings(EXTERNAL_IPS_RULE, config, EXTERNAL_IPS_DEFAULTS)
    out = Violations()
    if kind_of(props) != "Service":
        return out
    ips = get(props, ("spec", "externalIPs"), out)
    if ips is UNKNOWN or not as_list(ips):
        return out
    name = get(props, ("metadata", "name"), out)
    namespace = get(props, ("metadata", "namespace"), out) or "default"
    if name is UNKNOWN or namespace is UNKNOWN:
        return out
    if isinstance(name, str) and _allowed(str(namespace), name, opts["allowExternalIPs"]):
        return out
    shown = ", ".join(str(ip) for ip in as_list(ips) if not is_unknown(ip)) or "unknown"
    out.add(
        f"{label(props)}: spec.externalIPs ({shown}) makes the cluster send traffic for those "
        f"addresses to this Service's pods, so it can intercept traffic meant for them "
        f"(CVE-2020-8554). Remove externalIPs and use a LoadBalancer or the gateway, or add "
        f"'{namespace}/{name}' to allowExternalIPs."
    )
    return out
