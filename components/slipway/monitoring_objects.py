"""Where a service's monitoring objects go: one parent, one namespace, one set of labels.

The ServiceMonitor, SLO rules and dashboard (service_monitoring.py) and the synthetic Probe and
its rules (synthetic_checks.py) are children of the Microservice in its namespace, labelled like
its other objects with the released stable version; this is the one place that says how.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from . import labels
from .environment import Environment
from .spec.service import ServiceSpec

MONITORING_API = "monitoring.coreos.com/v1"
"""The Prometheus operator's API group (kube-prometheus-stack installs its CRDs)."""


@dataclass(frozen=True)
class MonitoringObjects:
    parent: pulumi.Resource
    namespace: pulumi.Input[str]
    labels: dict[str, str]
    prefix: str
    """Prefix of the Pulumi resource names (the service name, as the catalog uses)."""

    @classmethod
    def of(cls, component: pulumi.Resource, spec: ServiceSpec, env: Environment,
           namespace: pulumi.Input[str], *, resource_name: str | None = None,
           version: str | None = None) -> MonitoringObjects:
        """`version`: the version label (default the spec's; a Microservice passes its
        released stable version, which its other objects carry)."""
        return cls(parent=component, namespace=namespace,
                   labels=labels.standard_labels(spec.name, env.name, version or spec.version,
                                                 labels.SERVER, spec.team),
                   prefix=resource_name if resource_name is not None else spec.name)

    def metadata(self, name: str, extra: dict[str, str] | None = None) -> dict[str, Any]:
        return {"name": name, "namespace": self.namespace,
                "labels": {**self.labels, **(extra or {})}}

    def options(self) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self.parent)

    def custom_resource(self, suffix: str, kind: str, name: str,
                        spec: dict[str, Any]) -> k8s.apiextensions.CustomResource:
        """A Prometheus operator object `<prefix>-<suffix>` named `name` in the namespace."""
        return k8s.apiextensions.CustomResource(
            f"{self.prefix}-{suffix}", api_version=MONITORING_API, kind=kind,
            metadata=self.metadata(name), spec=spec, opts=self.options())
