"""Per-service monitoring: ServiceMonitor, SLO PrometheusRule and a RED Grafana dashboard.

`create(component, spec, env, namespace)` is the one call the Microservice makes when the
environment has observability on; the builders are pure and tested on their own. The
resources need the Prometheus operator's CRDs (kube-prometheus-stack, see
slipway.platform.observability) wherever the manifests are applied.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from . import labels, slo_alerts
from .environment import Environment
from .monitoring_objects import MonitoringObjects
from .spec.service import ServiceSpec

TRACK_LABEL = "slipway.dev/track"
DASHBOARD_LABEL = "grafana_dashboard"
# With STRICT mTLS Prometheus scrapes through the certificates its own sidecar writes here
# (Istio's documented setup; slipway.platform.observability mounts them when the mesh is on).
ISTIO_CERTS = "/etc/prom-certs"


def _relabel_name(label: str) -> str:
    """A pod label as Prometheus' Kubernetes discovery exposes it."""
    return "__meta_kubernetes_pod_label_" + "".join(
        c if c.isalnum() else "_" for c in label)


def service_monitor_spec(spec: ServiceSpec, env: Environment) -> dict[str, Any]:
    endpoint: dict[str, Any] = {
        # The Service's port name (microservice.py: port 80 named "http").
        "port": "http",
        "path": spec.metrics.path,
        "interval": spec.metrics.interval,
        "relabelings": [
            {"sourceLabels": [_relabel_name(labels.NAME)], "targetLabel": "service",
             "action": "replace"},
            {"sourceLabels": [_relabel_name(TRACK_LABEL)], "targetLabel": "track",
             "action": "replace"},
            # A blue-green pod has a slot, no track: its metrics carry the slot as `track`, so a
            # gate can judge the idle slot (behind `<name>-preview`) apart from the live one.
            # `(.+)`: a pod without a slot keeps its track (the default `(.*)` would blank it).
            {"sourceLabels": [_relabel_name(labels.SLOT)], "regex": "(.+)",
             "targetLabel": "track", "action": "replace"},
        ],
    }
    if env.mesh:
        endpoint["scheme"] = "https"
        endpoint["tlsConfig"] = {
            "caFile": f"{ISTIO_CERTS}/root-cert.pem",
            "certFile": f"{ISTIO_CERTS}/cert-chain.pem",
            "keyFile": f"{ISTIO_CERTS}/key.pem",
            # Istio certificates name SPIFFE identities, not DNS names.
            "insecureSkipVerify": True,
        }
    return {
        "selector": {
            "matchLabels": labels.service_selector(spec.name, env.name),
            # `<name>` already reaches every pod; its per-track route backends would double them.
            "matchExpressions": [{"key": labels.ROUTE_BACKEND, "operator": "DoesNotExist"}],
        },
        "namespaceSelector": {"matchNames": [env.namespace]},
        "endpoints": [endpoint],
    }


def _panel(panel_id: int, title: str, unit: str, targets: list[tuple[str, str]],
           x: int) -> dict[str, Any]:
    return {
        "id": panel_id,
        "type": "timeseries",
        "title": title,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "gridPos": {"h": 8, "w": 8, "x": x, "y": 0},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [{"refId": chr(ord("A") + i), "expr": expr, "legendFormat": legend}
                    for i, (expr, legend) in enumerate(targets)],
    }


def dashboard(spec: ServiceSpec, env: Environment) -> dict[str, Any]:
    """A RED dashboard (rate, errors, duration) per track, with the SLO lines to compare."""
    where = slo_alerts.selector(env.namespace, spec.name)
    where_5xx = slo_alerts.selector(env.namespace, spec.name, 'code=~"5.."')
    buckets = f"http_request_duration_seconds_bucket{where}"
    slo = spec.slo
    return {
        "uid": f"slipway-{env.name}-{spec.name}"[:40],
        "title": f"{spec.name} ({env.name}) - RED",
        "tags": ["slipway", env.name, spec.name],
        "timezone": "utc",
        "schemaVersion": 39,
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": [
            {"name": "datasource", "type": "datasource", "query": "prometheus"},
        ]},
        "panels": [
            _panel(1, "Rate: requests per second", "reqps", [
                (f"sum by (track) (rate(http_requests_total{where}[5m]))", "{{track}}"),
            ], 0),
            _panel(2, "Errors: share of 5xx", "percentunit", [
                (f"sum by (track) (rate(http_requests_total{where_5xx}[5m])) / "
                 f"sum by (track) (rate(http_requests_total{where}[5m]))", "{{track}}"),
                (slo_alerts.number(slo.error_budget), "error budget"),
            ], 8),
            _panel(3, "Duration: latency percentiles", "s", [
                (f"histogram_quantile(0.5, sum by (track, le) (rate({buckets}[5m])))",
                 "p50 {{track}}"),
                (f"histogram_quantile({slo_alerts.number(slo.latency.percent / 100)}, "
                 f"sum by (track, le) (rate({buckets}[5m])))",
                 f"p{slo_alerts.number(slo.latency.percent)} {{{{track}}}}"),
                (f"histogram_quantile(0.99, sum by (track, le) (rate({buckets}[5m])))",
                 "p99 {{track}}"),
                (slo_alerts.le_label(slo.latency.threshold_ms), "SLO threshold"),
            ], 16),
        ],
    }


def create(component: pulumi.Resource, spec: ServiceSpec, env: Environment,
           namespace: pulumi.Input[str], *, resource_name: str | None = None,
           version: str | None = None) -> dict[str, str]:
    """Create the monitoring children of `component`; returns {kind: name} for its outputs.

    `resource_name` prefixes the Pulumi names (default the service name, as the catalog uses).
    `version` is the version label of every object (default the spec's version); a
    Microservice passes its released stable version, like its other objects carry.
    """
    if not env.observability:
        return {}
    objects = MonitoringObjects.of(component, spec, env, namespace,
                                   resource_name=resource_name, version=version)
    objects.custom_resource("service-monitor", "ServiceMonitor", spec.name,
                            service_monitor_spec(spec, env))
    objects.custom_resource("slo-rules", "PrometheusRule", f"{spec.name}-slo",
                            {"groups": slo_alerts.rule_groups(spec.slo, env.namespace, spec.name)})
    k8s.core.v1.ConfigMap(
        f"{objects.prefix}-dashboard",
        metadata=objects.metadata(f"{spec.name}-dashboard", {DASHBOARD_LABEL: "1"}),
        data={f"{spec.name}.json": json.dumps(dashboard(spec, env), indent=2, sort_keys=True)},
        opts=objects.options(),
    )
    return {"serviceMonitor": spec.name, "prometheusRule": f"{spec.name}-slo",
            "dashboard": f"{spec.name}-dashboard"}
