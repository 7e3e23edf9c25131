"""One version label per service: every object carries the released stable version.

Before the fix the ServiceMonitor, PrometheusRule, dashboard and DestinationRule carried the
service file's version while the Deployment carried the release state's stable version, so
after a release they disagreed.
"""

from __future__ import annotations

from typing import Any

import pytest

from microservice_fixtures import DIGEST, render, spec
from mocking import Registry
from slipway import Environment
from slipway.labels import VERSION
from slipway.release_state import ReleaseRef, ReleaseState

RELEASED = ReleaseRef(version="1.3.0", image="registry.example.com/team/api@sha256:" + "b" * 64)
FULL = Environment(name="prod", namespace="apps", mesh=True, observability=True)
STRATEGIES = {
    "rolling": {},
    "canary": {"release": {"strategy": "canary"}},
    "blue-green": {"release": {"strategy": "blue-green"}},
}
MIGRATION = {"migration": {"image": f"registry.example.com/team/migrate@sha256:{DIGEST}",
                           "command": ["/migrate"]}}


def version_labels(value: Any) -> list[str]:
    """Every `app.kubernetes.io/version` label anywhere in a resource's inputs."""
    if isinstance(value, dict):
        found = [str(v) for k, v in value.items() if k == VERSION and isinstance(v, str)]
        return found + [label for v in value.values() for label in version_labels(v)]
    if isinstance(value, list):
        return [label for v in value for label in version_labels(v)]
    return []


def labelled(registry: Registry) -> dict[str, set[str]]:
    """{resource name: its version labels} for every labelled Kubernetes object."""
    found = {r.name: set(version_labels(r.inputs)) for r in registry
             if r.type.startswith("kubernetes:")}
    return {name: labels for name, labels in found.items() if labels}


def render_service(strategy: str, release: ReleaseState | None) -> Registry:
    return render(spec(exposure={"public": True, "host": "api.example.com"},
                       **STRATEGIES[strategy], **MIGRATION), environment=FULL,
                  callers=["web"], release=release)


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_every_object_carries_the_service_file_version_before_any_release(
        strategy: str) -> None:
    found = labelled(render_service(strategy, None))
    assert {"api-service-monitor", "api-destination-rule"} <= set(found)
    assert {name: labels for name, labels in found.items() if labels != {"1.2.3"}} == {}


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_every_object_carries_the_released_stable_version_after_a_release(
        strategy: str) -> None:
    found = labelled(render_service(strategy, ReleaseState(stable=RELEASED)))
    # The monitoring and mesh objects are there, and labelled like the Deployment.
    assert {"api-service-monitor", "api-slo-rules", "api-destination-rule"} <= set(found)
    assert {name: labels for name, labels in found.items() if labels != {"1.3.0"}} == {}
