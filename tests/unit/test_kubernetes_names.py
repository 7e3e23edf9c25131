"""The names the catalog checks for clashes are the names the component creates.

`derived_names(spec)` is what the catalog compares across services; every Kubernetes object the
Microservice registers (every strategy, mid-release, with mesh, monitoring, config, flags,
secrets and a migration) must be among them, or a clash could pass unseen.
"""

from __future__ import annotations

import pytest

from microservice_fixtures import DIGEST, render, spec
from slipway import Environment
from slipway.release_state import ReleaseRef, ReleaseState
from slipway.spec.kubernetes_names import derived_names, migration_job_name

FULL = Environment(name="prod", namespace="apps", mesh=True, observability=True)
OLD = ReleaseRef(version="1.2.3", image=f"registry.example.com/team/api@sha256:{'b' * 64}")
NEW = ReleaseRef(version="1.3.0", image=f"registry.example.com/team/api@sha256:{'c' * 64}")
EVERYTHING = {
    "config": {"LOG_LEVEL": "info"}, "flags": {"beta": True}, "secrets": ["DB_PASSWORD"],
    "exposure": {"public": True, "host": "shop.example.com", "path": "/api"},
    "migration": {"image": f"registry.example.com/team/migrate@sha256:{DIGEST}",
                  "command": ["/migrate"]},
}
# Registered kinds the name table calls by a shared name (the route is one or the other).
KIND = {"HTTPRoute": "Route", "VirtualService": "Route"}


@pytest.mark.parametrize(("strategy", "release"), [
    ("rolling", None),
    ("canary", ReleaseState(stable=OLD, candidate=NEW, weight=50)),
    ("blue-green", ReleaseState(stable=OLD, candidate=NEW, weight=0)),
])
def test_every_object_the_component_names_is_in_the_name_table(
    strategy: str, release: ReleaseState | None,
) -> None:
    service = spec(release={"strategy": strategy}, **EVERYTHING)
    table = {(name.kind, name.name) for name in derived_names(service)}

    registry = render(service, environment=FULL, release=release,
                      secret_values={"DB_PASSWORD": "x"})
    registered = {(KIND.get(kind, kind), r.k8s_name) for r in registry
                  if r.type.startswith("kubernetes:")
                  for kind in [r.type.rsplit(":", 1)[-1]]}

    missing = {(kind, name) for kind, name in registered - table if kind != "Job"}
    assert not missing, f"named by the component, unknown to the catalog check: {missing}"
    jobs = {name for kind, name in registered if kind == "Job"}
    assert jobs <= {migration_job_name("api", version, "expand")
                    for version in ("1.2.3", "1.3.0")}


def test_migration_job_name_is_the_one_the_component_uses() -> None:
    registry = render(spec(**EVERYTHING), secret_values={"DB_PASSWORD": "x"})

    job = registry.one("kubernetes:batch/v1:Job")
    assert job.k8s_name == migration_job_name("api", "1.2.3", "expand") == "api-migrate-1-2-3"
