"""Helm charts the Kubernetes platform installs: pinned versions and one switch for offline.

Every chart is a `k8s.helm.v3.Release` with an exact chart version and repository URL (a
range or "latest" would let an unreviewed chart into prod). The switch `ChartMode`:

- `install`: create the Release; Helm (inside the Kubernetes provider) fetches the chart from
  its repository during preview and update, so this needs network access to the repositories.
- `skip`: create no Release at all. For rendered manifests (`kubernetes.renderDir`), for
  offline machines and for CI: the provider cannot render a Release to files and cannot
  download a chart without network. Everything else of the platform (namespaces, Gateway API
  CRDs, Gateway, certificates, PeerAuthentication, ClusterSecretStore...) is still created, so
  it renders and can be reviewed; the charts are installed by a stack with `install`.

Components report which charts they skipped in the `skippedCharts` output, so nobody
mistakes a rendered platform for an installed one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pulumi
import pulumi_kubernetes as k8s

ChartMode = Literal["install", "skip"]
CHART_MODES: tuple[str, ...] = ("install", "skip")
EXACT_VERSION = re.compile(r"^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$")


@dataclass(frozen=True)
class Chart:
    """One Helm chart at one exact version."""

    name: str
    """Chart name in the repository, e.g. istiod."""
    version: str
    """Exact chart version, e.g. 1.27.3 (ranges are refused)."""
    repository: str
    """Chart repository URL (https://...)."""

    def __post_init__(self) -> None:
        if not EXACT_VERSION.match(self.version):
            raise ValueError(
                f"chart {self.name}: version must be exact such as 1.27.3, not a range or tag "
                f"(got {self.version!r})"
            )
        if not self.repository.startswith("https://"):
            raise ValueError(
                f"chart {self.name}: repository must be an https:// URL (got "
                f"{self.repository!r})"
            )

    def at(self, version: str) -> Chart:
        """The same chart at another exact version."""
        return Chart(self.name, version, self.repository)


ISTIO_REPOSITORY = "https://istio-release.storage.googleapis.com/charts"
ISTIO_VERSION = "1.27.3"
# The defaults, reviewed together: Istio 1.27 supports Gateway API v1.3 (vendored in
# platform/crds/gateway-api) and Kubernetes 1.29-1.33.
ISTIO_BASE = Chart("base", ISTIO_VERSION, ISTIO_REPOSITORY)
ISTIO_CNI = Chart("cni", ISTIO_VERSION, ISTIO_REPOSITORY)
ISTIOD = Chart("istiod", ISTIO_VERSION, ISTIO_REPOSITORY)
ISTIO_GATEWAY = Chart("gateway", ISTIO_VERSION, ISTIO_REPOSITORY)
CERT_MANAGER = Chart("cert-manager", "v1.18.2", "https://charts.jetstack.io")
KUBE_PROMETHEUS_STACK = Chart("kube-prometheus-stack", "75.15.0",
                              "https://prometheus-community.github.io/helm-charts")
BLACKBOX_EXPORTER = Chart("prometheus-blackbox-exporter", "11.4.0",
                          "https://prometheus-community.github.io/helm-charts")
OPENTELEMETRY_COLLECTOR = Chart("opentelemetry-collector", "0.129.0",
                                "https://open-telemetry.github.io/opentelemetry-helm-charts")
EXTERNAL_SECRETS = Chart("external-secrets", "0.20.4", "https://charts.external-secrets.io")


def release(name: str, chart: Chart, namespace: pulumi.Input[str], values: Mapping[str, Any],
            mode: ChartMode, *, parent: pulumi.Resource,
            depends_on: Sequence[pulumi.Resource] | None = None) -> k8s.helm.v3.Release | None:
    """A pinned Helm release, or None when charts are skipped."""
    if mode not in CHART_MODES:
        raise ValueError(f"chart mode must be one of {', '.join(CHART_MODES)} (got {mode!r})")
    if mode == "skip":
        return None
    return k8s.helm.v3.Release(
        name,
        name=name,
        chart=chart.name,
        version=chart.version,
        repository_opts={"repo": chart.repository},
        namespace=namespace,
        values=dict(values),
        # A failed install rolls back instead of leaving half a control plane.
        atomic=True,
        cleanup_on_fail=True,
        timeout=600,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on or [])),
    )


def skipped(mode: ChartMode, *charts: Chart) -> list[str]:
    """`name@version` of the charts a component would have installed, when skipped."""
    return [f"{c.name}@{c.version}" for c in charts] if mode == "skip" else []
