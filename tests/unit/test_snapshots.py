"""What each example service registers, per environment, equals its reviewed snapshot.

A change to any default, name or input shows up as a diff of tests/snapshots/<env>/<service>.json;
if it is intended, `make snapshots` rewrites the files and the diff is reviewed with the change.
"""

from __future__ import annotations

import contextlib
import json
import runpy
from pathlib import Path

import pytest
from catalog_snapshots import (
    ENVIRONMENTS,
    MASKED,
    ROOT,
    SNAPSHOTS,
    masked,
    render,
    run_catalog,
    service_snapshots,
    snapshot_path,
)

from mocking import run_under_mocks

SERVICES = sorted(p.stem for p in (ROOT / "services").glob("*.yaml"))


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def rendered(request: pytest.FixtureRequest) -> tuple[str, dict[str, str]]:
    environment = str(request.param)
    snapshots = service_snapshots(run_catalog(environment), environment)
    return environment, {service: render(doc) for service, doc in snapshots.items()}


def test_every_service_of_every_environment_has_a_committed_snapshot(
        rendered: tuple[str, dict[str, str]]) -> None:
    environment, snapshots = rendered
    assert sorted(snapshots) == SERVICES
    committed = sorted(p.stem for p in (SNAPSHOTS / environment).glob("*.json"))
    assert committed == SERVICES, "run `make snapshots` and review the new files"


@pytest.mark.parametrize("service", SERVICES)
def test_what_the_service_registers_equals_its_reviewed_snapshot(
        rendered: tuple[str, dict[str, str]], service: str) -> None:
    environment, snapshots = rendered
    path: Path = snapshot_path(environment, service)
    # On a difference: if intended, `make snapshots` and review the diff with the change.
    assert snapshots[service] == path.read_text(encoding="utf-8")


def test_snapshots_name_type_parent_and_inputs() -> None:
    snapshot = json.loads(snapshot_path("prod", "orders").read_text(encoding="utf-8"))
    first, *children = snapshot["resources"]
    assert (first["type"], first["name"], first["parent"]) == (
        "slipway:index:Microservice", "orders", "")
    assert {c["parent"] for c in children} <= {"slipway:index:Microservice::orders"} | {
        f"{c['type']}::{c['name']}" for c in children}
    deployment = next(c for c in children if c["type"] == "kubernetes:apps/v1:Deployment")
    assert deployment["inputs"]["metadata"]["name"] == "orders"


def test_secret_inputs_are_masked_in_a_snapshot() -> None:
    wrapped = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
               "value": "hunter2"}
    assert masked({"data": {"DB_PASSWORD": wrapped}, "list": [wrapped]}) == {
        "data": {"DB_PASSWORD": MASKED}, "list": [MASKED]}


def test_a_stack_with_secret_values_keeps_them_out_of_the_snapshot() -> None:
    config = {"slipway:environment": "dev", "slipway:kubernetes": {"context": "kind-slipway"},
              "slipway:secretValues": {"orders": {"DB_PASSWORD": "hunter2"},
                                       "payments": {"PSP_API_KEY": "hunter3",
                                                    "WEBHOOK_SIGNING_KEY": "hunter4"}}}
    with contextlib.chdir(ROOT):
        registry = run_under_mocks(lambda: runpy.run_path(str(ROOT / "__main__.py")),
                                   config=config)
    text = render(service_snapshots(registry, "dev"))
    assert MASKED in text
    assert not [word for word in ("hunter2", "hunter3", "hunter4") if word in text]
