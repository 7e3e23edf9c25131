"""Snapshots of what the example catalog registers, per environment, under Pulumi mocks.

The whole program (__main__.py) runs for dev, prod (AWS under mocks) and a pr-N review stack,
with the committed stack files (the review stack's derived from dev, as `slipway preview`
does). Per service, the snapshot lists every resource the service's Microservice registers:
type, name, parent and inputs, secret inputs masked. The URNs of every resource of every
environment form the names contract (tests/snapshots/urns.json).

Refresh with `make snapshots`; review the diff like code.
"""

from __future__ import annotations

import contextlib
import json
import os
import runpy
import sys
from pathlib import Path
from typing import Any

from urns import broken, engine_urns

from aws_mocks import AwsMocks
from mocking import Registered, Registry, is_secret, run_under_mocks
from slipway.stack import stack_file_config
from slipway.stack.review import review_stack_config

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = ROOT / "tests" / "snapshots"
URNS = SNAPSHOTS / "urns.json"
ENVIRONMENTS = ("dev", "prod", "pr-1")
MICROSERVICE = "slipway:index:Microservice"
MASKED = "[secret]"


def stack_config(environment: str) -> dict[str, Any]:
    if environment.startswith("pr-"):
        dev = stack_file_config(ROOT / "Pulumi.dev.yaml")
        # Fixed dates: a snapshot must not change with the day it is taken.
        return review_stack_config(dev, int(environment.removeprefix("pr-")),
                                   created="2026-01-01T00:00:00Z",
                                   expires="2026-01-08T00:00:00Z")
    return stack_file_config(ROOT / f"Pulumi.{environment}.yaml")


def run_catalog(environment: str) -> Registry:
    """The program for one environment under mocks (AWS-shaped mocks for prod)."""
    registry: Registry = AwsMocks() if environment == "prod" else Registry()
    with contextlib.chdir(ROOT):
        return run_under_mocks(lambda: runpy.run_path(str(ROOT / "__main__.py")),
                               stack=environment, config=stack_config(environment),
                               registry=registry)


def masked(value: Any) -> Any:
    if is_secret(value):
        return MASKED
    if isinstance(value, dict):
        return {key: masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [masked(item) for item in value]
    return value


def qualified_name(registry: Registry, urn: str) -> str:
    """`<type>::<name>` of a resource of this run, for a readable parent."""
    resource = next((r for r in registry if r.urn == urn), None)
    return f"{resource.type}::{resource.name}" if resource is not None else ""


def subtree(registry: Registry, root: Registered) -> list[Registered]:
    """The root and everything under it."""
    found = [root]
    for child in registry.children_of(root):
        found += subtree(registry, child)
    return found


def service_snapshots(registry: Registry, environment: str) -> dict[str, dict[str, Any]]:
    """{service: snapshot} for every Microservice of the run."""
    snapshots = {}
    for component in registry.of_type(MICROSERVICE):
        snapshots[component.name] = {
            "service": component.name,
            "environment": environment,
            # Sorted: registration order varies from run to run (registrations are async).
            "resources": [
                {"type": r.type, "name": r.name, "parent": qualified_name(registry, r.parent),
                 "inputs": masked(r.raw_inputs)}
                for r in sorted(subtree(registry, component),
                                key=lambda r: (r is not component, r.type, r.name))
            ],
        }
    return snapshots


def snapshot_path(environment: str, service: str) -> Path:
    return SNAPSHOTS / environment / f"{service}.json"


def render(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def urns(registry: Registry) -> list[str]:
    """The URNs the engine gives the run's resources."""
    return sorted(engine_urns(registry).values())


def write_all() -> list[Path]:
    """Rewrite every snapshot and the URN list; returns the files written."""
    written = []
    all_urns = {}
    for environment in ENVIRONMENTS:
        registry = run_catalog(environment)
        folder = SNAPSHOTS / environment
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.json"):
            stale.unlink()
        for service, snapshot in service_snapshots(registry, environment).items():
            path = snapshot_path(environment, service)
            path.write_text(render(snapshot), encoding="utf-8")
            written.append(path)
        all_urns[environment] = urns(registry)
    URNS.write_text(render(all_urns), encoding="utf-8")
    return [*written, URNS]


def main(argv: list[str]) -> int:
    """`make snapshots`: refresh every snapshot. URNs that disappear without an alias would
    replace live resources, so they are refused unless ACCEPT_URN_CHANGES=1 says it is meant."""
    committed = json.loads(URNS.read_text(encoding="utf-8")) if URNS.exists() else {}
    lost = [urn for environment in ENVIRONMENTS
            for urn in broken(committed.get(environment, []), run_catalog(environment))]
    if lost and os.environ.get("ACCEPT_URN_CHANGES") != "1":
        print("these URNs would change without an alias (the next `up` replaces them):")
        print("\n".join(f"  {urn}" for urn in lost))
        print("add `aliases` to the resources, or set ACCEPT_URN_CHANGES=1 if replacing them "
              "is intended (say so in components/CHANGELOG.md)")
        return 1
    for path in write_all():
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
