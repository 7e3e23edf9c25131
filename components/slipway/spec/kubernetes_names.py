"""The Kubernetes object names a service's spec makes, by kind, and the field each comes from.

The Microservice component names its objects from the spec: `<name>` and `<name>-canary`,
`-stable`, `-blue`, `-green`, `-preview`, `-bridge` (mid strategy switch), `-config`, `-flags`,
`-secrets`, `-istiod`, `-slo`, `-dashboard`, `-synthetic` (public services) and a migration Job
per version. Two services in
one namespace must not make the same name for the same kind, or one silently overwrites the
other; the catalog checks that here, and the component takes its Job name from
`migration_job_name` so the two cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the spec's own checks use migration_job_name
    from .service import ServiceSpec

MAX_NAME = 63
"""Kubernetes' limit on a DNS label (Service, Job and label values)."""


@dataclass(frozen=True)
class DerivedName:
    kind: str
    name: str
    field: str
    """The spec field that makes this object exist under this name."""


def migration_job_name(service: str, version: str, phase: str, *, truncate: bool = True) -> str:
    """`<name>-migrate-<version>[-contract]`: one Job per version (a Job's pod template is
    immutable). Untruncated, it is what the spec check measures against `MAX_NAME`."""
    suffix = "-contract" if phase == "contract" else ""
    name = f"{service}-migrate-{version}".replace(".", "-").replace("+", "-").lower()
    if not truncate:
        return name + suffix
    return name[:MAX_NAME - len(suffix)].rstrip("-") + suffix


def derived_names(spec: ServiceSpec) -> list[DerivedName]:
    """Every object name the component may create for `spec` (all release phases)."""
    name = spec.name
    found = [DerivedName(kind, name, "name") for kind in (
        "ServiceAccount", "NetworkPolicy", "ServiceMonitor", "Route", "AuthorizationPolicy")]
    found += [DerivedName("NetworkPolicy", f"{name}-istiod", "name"),
              DerivedName("PrometheusRule", f"{name}-slo", "name"),
              DerivedName("ConfigMap", f"{name}-dashboard", "name")]
    strategy = spec.release.strategy
    if strategy == "blue-green":
        workloads = [f"{name}-blue", f"{name}-green"]
        services = [name, f"{name}-preview"]
    elif strategy == "canary":
        workloads = [name, f"{name}-canary"]
        services = [name, f"{name}-stable", f"{name}-canary"]
    else:
        workloads, services = [name], [name]
    for workload in workloads:
        field = "name" if workload == name else "release.strategy"
        found += [DerivedName(kind, workload, field) for kind in (
            "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget")]
    # The bridge a strategy switch runs on, whatever strategy it switches to.
    found += [DerivedName(kind, f"{name}-bridge", "release.strategy")
              for kind in ("Deployment", "PodDisruptionBudget")]
    for service in services:
        field = "name" if service == name else "release.strategy"
        found += [DerivedName("Service", service, field),
                  DerivedName("DestinationRule", service, field)]
    if spec.config:
        found.append(DerivedName("ConfigMap", f"{name}-config", "config"))
    if spec.flags:
        found.append(DerivedName("ConfigMap", f"{name}-flags", "flags"))
    if spec.secrets:
        found += [DerivedName("Secret", f"{name}-secrets", "secrets"),
                  DerivedName("ExternalSecret", f"{name}-secrets", "secrets")]
    if spec.exposure.public:
        found += [DerivedName("Probe", f"{name}-synthetic", "exposure.public"),
                  DerivedName("PrometheusRule", f"{name}-synthetic", "exposure.public")]
    if spec.migration is not None:
        found.append(DerivedName("Job", migration_job_name(
            spec.name, spec.version, spec.migration.phase), "migration"))
    return found
