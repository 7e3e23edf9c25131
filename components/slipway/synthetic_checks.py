"""Synthetic checks: a public service's critical path probed from outside, and an alert.

Every public service (spec.exposure.public) gets, when the environment has observability on:

- a Prometheus operator `Probe`: the platform's blackbox exporter (Environment.blackbox_exporter)
  GETs https://<host><critical path> every `exposure.synthetic.interval`, and Prometheus
  records `probe_success{namespace, service}` (1 or 0 per probe);
- a PrometheusRule `<name>-synthetic` alerting when the success ratio over 10 minutes falls
  below `exposure.synthetic.minSuccessRatio`.

`slipway deliver` judges each step on the same series (tooling/prometheus.probe_queries).
Builders are pure; `create` is the one call the Microservice makes.
"""

from __future__ import annotations

from typing import Any

import pulumi

from .environment import Environment
from .monitoring_objects import MonitoringObjects
from .slo_alerts import number
from .spec.service import ServiceSpec

PROBE_JOB = "slipway-synthetic"
BLACKBOX_MODULE = "http_2xx"
"""The blackbox exporter module: a GET that must answer 2xx (the chart's default module)."""
ALERT = "SlipwaySyntheticCheckFailing"
ALERT_WINDOW = "10m"
ALERT_FOR = "5m"


def target_url(spec: ServiceSpec) -> str:
    """What the probe requests: the public host and the critical path, over HTTPS (the
    gateway's HTTP listener only redirects)."""
    return f"https://{spec.exposure.host}{spec.exposure.critical_path}"


def probe_spec(spec: ServiceSpec, env: Environment) -> dict[str, Any]:
    check = spec.exposure.synthetic_check
    assert check is not None, "only public services have a synthetic check"
    return {
        "jobName": PROBE_JOB,
        "interval": check.interval,
        "module": BLACKBOX_MODULE,
        "prober": {"url": env.blackbox_exporter, "scheme": "http", "path": "/probe"},
        "targets": {"staticConfig": {
            "static": [target_url(spec)],
            # The labels deliver and the alert select the service's probe by.
            "labels": {"namespace": env.namespace, "service": spec.name},
        }},
    }


def success_ratio(namespace: str, service: str, window: str) -> str:
    """The share of successful probes of one service over a window (PromQL)."""
    where = f'namespace="{namespace}",service="{service}"'
    return f"avg(avg_over_time(probe_success{{{where}}}[{window}]))"


def rule_groups(spec: ServiceSpec, env: Environment) -> list[dict[str, Any]]:
    check = spec.exposure.synthetic_check
    assert check is not None, "only public services have a synthetic check"
    floor = number(check.min_success_ratio)
    return [{"name": f"slipway-{spec.name}-synthetic", "rules": [{
        "alert": ALERT,
        "expr": f"{success_ratio(env.namespace, spec.name, ALERT_WINDOW)} < {floor}",
        "for": ALERT_FOR,
        "labels": {"severity": "page", "service": spec.name, "namespace": env.namespace,
                   "check": "synthetic"},
        "annotations": {
            "summary": f"{spec.name}'s synthetic check of {target_url(spec)} is failing",
            "description": (f"Fewer than {number(check.min_success_ratio * 100)}% of the "
                            f"probes of {target_url(spec)} succeeded over the last "
                            f"{ALERT_WINDOW} ({spec.name}, {env.namespace})."),
        },
    }]}]


def create(component: pulumi.Resource, spec: ServiceSpec, env: Environment,
           namespace: pulumi.Input[str], *, resource_name: str | None = None,
           version: str | None = None) -> dict[str, str]:
    """The Probe and its alert, children of `component`; {kind: name} for its outputs.
    Nothing for a service that is not public or an environment without observability."""
    if not env.observability or spec.exposure.synthetic_check is None:
        return {}
    objects = MonitoringObjects.of(component, spec, env, namespace,
                                   resource_name=resource_name, version=version)
    name = f"{spec.name}-synthetic"
    objects.custom_resource("synthetic-probe", "Probe", name, probe_spec(spec, env))
    objects.custom_resource("synthetic-rules", "PrometheusRule", name,
                            {"groups": rule_groups(spec, env)})
    return {"probe": f"{spec.name}-synthetic", "syntheticRule": f"{spec.name}-synthetic"}
