"""Observability: kube-prometheus-stack and an OpenTelemetry collector through pinned charts.

Creates, all parented to the component:
- the monitoring namespace (the Environment's `monitoring.namespace`, which every service's
  NetworkPolicy and AuthorizationPolicy let scrape it);
- a `kube-prometheus-stack` release (Prometheus operator, Prometheus, Alertmanager, Grafana)
  set to pick up every namespace's ServiceMonitors and PrometheusRules and every
  `grafana_dashboard: "1"` ConfigMap, which is what slipway.service_monitoring creates per
  service; with the mesh on, Prometheus gets an Istio sidecar that only writes certificates,
  so it can scrape pods that accept mTLS only (Istio's documented setup);
- a `prometheus-blackbox-exporter` release, `blackbox-exporter:9115` in that namespace, which
  runs the synthetic checks (Prometheus operator Probes) of public services;
- an `opentelemetry-collector` release receiving OTLP: metrics go to Prometheus (remote
  write), traces to `traces_endpoint` when set;
- when `admin_secret_store` is set, an ExternalSecret for Grafana's admin credentials, so no
  default password is ever used and none passes through Pulumi.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from ..environment import SecretStoreRef
from ..service_monitoring import ISTIO_CERTS
from ..spec.validation import DNS_LABEL
from . import charts as helm
from .charts import ChartMode
from .namespaces import platform_namespace

TYPE_TOKEN = "slipway:platform:Observability"
PROMETHEUS_RELEASE = "kube-prometheus-stack"
BLACKBOX_SERVICE = "blackbox-exporter"
BLACKBOX_PORT = 9115
GRAFANA_ADMIN_SECRET = "grafana-admin"
EXTERNAL_SECRETS_API = "external-secrets.io/v1"
RETENTION = re.compile(r"^[1-9][0-9]*(h|d|w)$")


@dataclass(frozen=True)
class ObservabilityArgs:
    """Metrics, alerts, dashboards and telemetry collection for one cluster."""

    charts: ChartMode = "install"
    """install: Helm releases; skip: none (rendered or offline stacks). Default install."""
    namespace: str = "monitoring"
    """Namespace of Prometheus, Grafana and the collector. Default monitoring."""
    kube_prometheus_stack_version: str = helm.KUBE_PROMETHEUS_STACK.version
    """Exact kube-prometheus-stack chart version. Default 75.15.0."""
    opentelemetry_collector_version: str = helm.OPENTELEMETRY_COLLECTOR.version
    """Exact opentelemetry-collector chart version. Default 0.129.0."""
    blackbox_exporter_version: str = helm.BLACKBOX_EXPORTER.version
    """Exact prometheus-blackbox-exporter chart version (synthetic checks). Default 11.4.0."""
    retention: str = "15d"
    """How long Prometheus keeps samples, e.g. 15d. Default 15d (the 3-day SLO window fits)."""
    mesh: bool = False
    """Scrape through Istio mTLS certificates (set when the mesh is on). Default off."""
    traces_endpoint: str | None = None
    """OTLP gRPC endpoint (host:port) the collector sends traces to. Default None: traces are
    dropped after counting (debug exporter)."""
    admin_secret_store: SecretStoreRef | None = None
    """Read Grafana's admin user and password from this store (key
    `<key_prefix>/grafana`, properties admin-user and admin-password). Default None: create
    the Secret `grafana-admin` yourself."""

    def __post_init__(self) -> None:
        if not re.match(DNS_LABEL, self.namespace):
            raise ValueError(f"observability: namespace must be a DNS label (got "
                             f"{self.namespace!r})")
        if not RETENTION.match(self.retention):
            raise ValueError(f"observability: retention must be a duration such as 15d, 72h or "
                             f"2w (got {self.retention!r})")
        helm.KUBE_PROMETHEUS_STACK.at(self.kube_prometheus_stack_version)
        helm.OPENTELEMETRY_COLLECTOR.at(self.opentelemetry_collector_version)
        helm.BLACKBOX_EXPORTER.at(self.blackbox_exporter_version)


def blackbox_address(namespace: str) -> str:
    """host:port of the blackbox exporter Observability installs into `namespace`."""
    return f"{BLACKBOX_SERVICE}.{namespace}.svc:{BLACKBOX_PORT}"


def blackbox_values() -> dict[str, Any]:
    # A fixed name, so the address services' Probes use (Environment.blackbox_exporter,
    # blackbox-exporter.monitoring.svc:9115 by default) does not depend on the release name.
    return {"fullnameOverride": BLACKBOX_SERVICE,
            "service": {"port": BLACKBOX_PORT}}


def prometheus_values(args: ObservabilityArgs) -> dict[str, Any]:
    prometheus: dict[str, Any] = {
        "retention": args.retention,
        # Select every namespace's monitors and rules, not only the chart's own.
        "serviceMonitorSelectorNilUsesHelmValues": False,
        "podMonitorSelectorNilUsesHelmValues": False,
        "ruleSelectorNilUsesHelmValues": False,
        "enableRemoteWriteReceiver": True,
    }
    if args.mesh:
        prometheus["podMetadata"] = {
            "labels": {"sidecar.istio.io/inject": "true"},
            "annotations": {
                # The sidecar intercepts nothing; it only writes its certificates for scrapes.
                "traffic.sidecar.istio.io/includeInboundPorts": "",
                "traffic.sidecar.istio.io/includeOutboundIPRanges": "",
                "proxy.istio.io/config":
                    "proxyMetadata:\n  OUTPUT_CERTS: /etc/istio-output-certs\n",
                "sidecar.istio.io/userVolumeMount":
                    '[{"name": "istio-certs", "mountPath": "/etc/istio-output-certs"}]',
            },
        }
        prometheus["volumes"] = [{"name": "istio-certs", "emptyDir": {"medium": "Memory"}}]
        prometheus["volumeMounts"] = [{"name": "istio-certs", "mountPath": ISTIO_CERTS + "/"}]
    return {
        "prometheus": {"prometheusSpec": prometheus},
        "grafana": {
            "admin": {"existingSecret": GRAFANA_ADMIN_SECRET, "userKey": "admin-user",
                      "passwordKey": "admin-password"},
            "sidecar": {"dashboards": {"enabled": True, "label": "grafana_dashboard",
                                       "labelValue": "1", "searchNamespace": "ALL"}},
        },
    }


def collector_values(args: ObservabilityArgs) -> dict[str, Any]:
    write_url = (f"http://{PROMETHEUS_RELEASE}-prometheus.{args.namespace}.svc:9090"
                 "/api/v1/write")
    traces_exporter = "otlp" if args.traces_endpoint is not None else "debug"
    exporters: dict[str, Any] = {"prometheusremotewrite": {"endpoint": write_url}}
    if args.traces_endpoint is not None:
        exporters["otlp"] = {"endpoint": args.traces_endpoint}
    else:
        exporters["debug"] = {"verbosity": "basic"}
    return {
        "mode": "deployment",
        "replicaCount": 2,
        "image": {"repository": "otel/opentelemetry-collector-k8s"},
        "config": {
            "exporters": exporters,
            "service": {"pipelines": {
                "metrics": {"receivers": ["otlp"], "processors": ["memory_limiter", "batch"],
                            "exporters": ["prometheusremotewrite"]},
                "traces": {"receivers": ["otlp"], "processors": ["memory_limiter", "batch"],
                           "exporters": [traces_exporter]},
                "logs": None,
            }},
        },
    }


class Observability(pulumi.ComponentResource):
    """Prometheus, Grafana, Alertmanager and an OpenTelemetry collector."""

    namespace: pulumi.Output[str]
    skipped_charts: list[str]
    blackbox_exporter: str
    """host:port of the blackbox exporter it installs (for Environment.blackbox_exporter)."""

    def __init__(self, name: str, args: ObservabilityArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        # Privileged: the chart's node exporter reads host metrics (hostNetwork, hostPID).
        namespace = platform_namespace(f"{name}-namespace", args.namespace, "privileged", self)
        self.namespace = namespace.metadata.apply(lambda m: m["name"])
        if args.admin_secret_store is not None:
            store = args.admin_secret_store
            k8s.apiextensions.CustomResource(
                f"{name}-grafana-admin",
                api_version=EXTERNAL_SECRETS_API,
                kind="ExternalSecret",
                metadata={"name": GRAFANA_ADMIN_SECRET, "namespace": self.namespace},
                spec={
                    "refreshInterval": store.refresh_interval,
                    "secretStoreRef": {"kind": store.kind, "name": store.name},
                    "target": {"name": GRAFANA_ADMIN_SECRET, "creationPolicy": "Owner"},
                    "data": [{"secretKey": key, "remoteRef": {
                        "key": f"{store.key_prefix}/grafana", "property": key}}
                        for key in ("admin-user", "admin-password")],
                },
                opts=pulumi.ResourceOptions(parent=self),
            )
        stack_chart = helm.KUBE_PROMETHEUS_STACK.at(args.kube_prometheus_stack_version)
        collector_chart = helm.OPENTELEMETRY_COLLECTOR.at(args.opentelemetry_collector_version)
        prometheus = helm.release(PROMETHEUS_RELEASE, stack_chart, self.namespace,
                                    prometheus_values(args), args.charts, parent=self)
        helm.release(f"{name}-otel-collector", collector_chart, self.namespace,
                     collector_values(args), args.charts, parent=self,
                     depends_on=[prometheus] if prometheus is not None else [])
        blackbox_chart = helm.BLACKBOX_EXPORTER.at(args.blackbox_exporter_version)
        helm.release(f"{name}-blackbox-exporter", blackbox_chart, self.namespace,
                     blackbox_values(), args.charts, parent=self)
        self.blackbox_exporter = blackbox_address(args.namespace)
        self.skipped_charts = helm.skipped(args.charts, stack_chart, collector_chart,
                                           blackbox_chart)
        self.register_outputs({
            "namespace": self.namespace,
            "skippedCharts": self.skipped_charts,
        })
