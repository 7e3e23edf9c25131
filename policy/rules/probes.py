"""Readiness and liveness probes on every long-running container, on ports it declares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from rules.config import settings
from rules.k8s import UNKNOWN, Container, Violations, as_list, containers, fmt, get, kind_of, label

RULE: Final = "slipway-k8s-workload-probes"
DESCRIPTION: Final = (
    "Every container, and every sidecar init container, has a readiness probe and a liveness "
    "probe, and each probe's port is one of the container's declared ports."
)
DEFAULTS: Final[dict[str, Any]] = {
    # Run-to-completion pods (Job, CronJob) serve no traffic to gate, so they are opt-in.
    "kinds": ["Deployment", "StatefulSet", "DaemonSet", "Pod"],
    "requireReadiness": True,
    "requireLiveness": True,
}
_HANDLERS: Final = ("httpGet", "tcpSocket", "grpc")
_PURPOSE: Final = {
    "readinessProbe": ("readiness", "hold traffic until it is ready"),
    "livenessProbe": ("liveness", "restart it when it hangs"),
}


def _check_ports(
    who: str, c: Container, field: str, probe: dict[str, Any], out: Violations
) -> None:
    ports = get(c.spec, ("ports",), out, c.path)
    if ports is UNKNOWN:
        return
    declared = [p for p in as_list(ports) if isinstance(p, dict)]
    numbers = {p.get("containerPort") for p in declared}
    names = {p.get("name") for p in declared}
    for handler in _HANDLERS:
        if not isinstance(probe.get(handler), dict):
            continue
        port = get(probe, (handler, "port"), out, (*c.path, field))
        if port is UNKNOWN or port is None or port in numbers or port in names:
            continue
        listed = ", ".join(sorted(str(p) for p in numbers | names if p is not None)) or "none"
        out.add(
            f"{who}: {c.title} {field} uses port {port!r} "
            f"({fmt((*c.path, field, handler, 'port'))}), which is not among its ports "
            f"({listed}). Probe a declared containerPort or port name, or declare the port in "
            f"{fmt((*c.path, 'ports'))}."
        )


def check_probes(props: Mapping[str, Any], config: Mapping[str, Any] | None = None) -> Violations:
    opts = settings(RULE, config, DEFAULTS)
    out = Violations()
    kind = kind_of(props)
    if kind not in opts["kinds"]:
        return out
    who = label(props)
    required = [f for f, on in (("readinessProbe", opts["requireReadiness"]),
                                ("livenessProbe", opts["requireLiveness"])) if on]
    for c in containers(props, kind, out):
        # A plain init container runs to completion before the pod starts, and Kubernetes
        # rejects probes on it. A sidecar (restartPolicy: Always) runs alongside: it needs them.
        if c.init and not c.sidecar:
            continue
        for field in required:
            probe = get(c.spec, (field,), out, c.path)
            if probe is UNKNOWN or (isinstance(probe, dict) and probe):
                continue
            name, purpose = _PURPOSE[field]
            out.add(
                f"{who}: {c.title} has no {name} probe ({fmt((*c.path, field))}). Add a {field} "
                f"(httpGet, tcpSocket, grpc or exec) so Kubernetes can {purpose}."
            )
        for field in ("readinessProbe", "livenessProbe", "startupProbe"):
            probe = get(c.spec, (field,), out, c.path)
            if isinstance(probe, dict):
                _check_ports(who, c, field, probe, out)
    return out
