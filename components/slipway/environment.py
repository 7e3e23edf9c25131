"""Where services run, and the defaults that differ between environments.

An `Environment` is plain typed data: the program builds it from stack settings, a service
team importing the library builds it by hand. Components never read Pulumi config.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Spread = Literal["DoNotSchedule", "ScheduleAnyway"]
ENVIRONMENT_NAME = re.compile(r"^(dev|prod|pr-[1-9][0-9]{0,6})$")
HOST_PORT = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?:[0-9]{1,5}$")


@dataclass(frozen=True)
class PeerSelector:
    """Pods in another namespace, chosen by namespace name and pod labels."""

    namespace: str
    """Namespace name (matched through the kubernetes.io/metadata.name label)."""
    pod_labels: dict[str, str] = field(default_factory=dict)
    """Pod labels; empty selects every pod in the namespace."""


@dataclass(frozen=True)
class SecretStoreRef:
    """An External Secrets Operator store that holds secret values outside Kubernetes."""

    name: str
    """Name of the (Cluster)SecretStore."""
    kind: Literal["ClusterSecretStore", "SecretStore"] = "ClusterSecretStore"
    """Store kind. Default ClusterSecretStore: one store serves every namespace."""
    key_prefix: str = "slipway"
    """Remote keys are `<key_prefix>/<service>`, with one property per secret name."""
    refresh_interval: str = "1h"
    """How often the operator re-reads the store. Default 1h."""


@dataclass(frozen=True)
class Environment:
    """Defaults for one environment (dev, prod or a pr-N preview)."""

    name: str
    """dev, prod or pr-N: picks the spec's `environments` override (pr for every pr-N)."""
    namespace: str
    """Namespace the services run in. The program owns it, not each service."""
    max_surge: int | str = "25%"
    """Extra pods during a rolling update unless the spec says otherwise. Default 25%."""
    max_unavailable: int | str = 0
    """Pods that may be missing during a rolling update. Default 0: capacity never drops."""
    revision_history_limit: int = 5
    """Old ReplicaSets kept for `kubectl rollout undo`. Default 5."""
    zone_spread: Spread = "ScheduleAnyway"
    """Whether spreading across zones is a hard rule. Default ScheduleAnyway; prod sets
    DoNotSchedule."""
    host_spread: Spread = "ScheduleAnyway"
    """Whether spreading across nodes is a hard rule. Default ScheduleAnyway."""
    gateway: PeerSelector = field(
        default_factory=lambda: PeerSelector("gateway", {"app.kubernetes.io/name": "gateway"})
    )
    """Ingress gateway pods that may reach public services."""
    monitoring: PeerSelector = field(default_factory=lambda: PeerSelector("monitoring"))
    """Pods that may scrape every service (Prometheus)."""
    dns: PeerSelector = field(
        default_factory=lambda: PeerSelector("kube-system", {"k8s-app": "kube-dns"})
    )
    """Cluster DNS, the one egress every service gets."""
    mesh: bool = False
    """Istio sidecar mesh on (mTLS STRICT): per-service DestinationRule, retries and
    AuthorizationPolicy, and canary splits through a VirtualService. Default off (dev)."""
    gateway_name: str = "slipway"
    """Gateway API Gateway (in `gateway.namespace`) that public HTTPRoutes attach to."""
    observability: bool = True
    """Create a ServiceMonitor, SLO PrometheusRule and dashboard per service (needs the
    Prometheus operator's CRDs where manifests are applied). Default on."""
    blackbox_exporter: str = "blackbox-exporter.monitoring.svc:9115"
    """host:port of the blackbox exporter that runs the synthetic checks of public services
    (each a Prometheus operator Probe). Default blackbox-exporter.monitoring.svc:9115, the
    prometheus-blackbox-exporter chart's service in the monitoring namespace."""
    run_as_user: int = 10001
    """UID (and GID) containers run as: high, so it maps to no host user. Default 10001."""

    def __post_init__(self) -> None:
        if not ENVIRONMENT_NAME.match(self.name):
            raise ValueError(
                f"environment name must be dev, prod or pr-<number> (got {self.name!r})"
            )
        if not HOST_PORT.match(self.blackbox_exporter):
            raise ValueError(
                f"blackbox_exporter must be host:port without a scheme, e.g. "
                f"blackbox-exporter.monitoring.svc:9115 (got {self.blackbox_exporter!r})"
            )

    @property
    def override_key(self) -> str:
        """The key of the spec's `environments` mapping that applies here."""
        return "pr" if self.name.startswith("pr-") else self.name
