"""Standard `app.kubernetes.io/*` labels and the selectors derived from them.

Selectors never include the version: a Deployment's selector is immutable, and a version in
it would force a replacement (and an outage) on every release.
"""

from __future__ import annotations

NAME = "app.kubernetes.io/name"
INSTANCE = "app.kubernetes.io/instance"
VERSION = "app.kubernetes.io/version"
COMPONENT = "app.kubernetes.io/component"
PART_OF = "app.kubernetes.io/part-of"
MANAGED_BY = "app.kubernetes.io/managed-by"
TEAM = "slipway.dev/team"
ENVIRONMENT = "slipway.dev/environment"
# Release tracks (canary: stable|canary) and slots (blue-green: blue|green); never versions.
TRACK = "slipway.dev/track"
SLOT = "slipway.dev/slot"
# On the per-track Services a canary route splits over (`<name>-stable`, `<name>-canary`): their
# pods are already behind `<name>`, so monitoring skips them instead of scraping pods twice.
ROUTE_BACKEND = "slipway.dev/route-backend"

SERVER = "server"
MIGRATION = "migration"


def service_selector(service: str, environment: str) -> dict[str, str]:
    """Every pod of a service (servers and migration jobs): what NetworkPolicies select."""
    return {NAME: service, INSTANCE: f"{service}-{environment}"}


def server_selector(service: str, environment: str) -> dict[str, str]:
    """Only the pods that serve traffic: what the Service, Deployment and PDB select."""
    return {**service_selector(service, environment), COMPONENT: SERVER}


def standard_labels(service: str, environment: str, version: str, component: str,
                    team: str | None = None) -> dict[str, str]:
    labels = {
        **service_selector(service, environment),
        COMPONENT: component,
        VERSION: version,
        PART_OF: "slipway",
        MANAGED_BY: "pulumi",
        ENVIRONMENT: environment,
    }
    if team:
        labels[TEAM] = team
    return labels
