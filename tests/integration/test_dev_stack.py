"""The dev stack with the real Pulumi engine: render, idempotence, change, removal, destroy."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from pulumi import automation as auto

from engine_project import ROOT, Project
from slipway.tooling import stacks

SKIPS = yaml.safe_load((Path(__file__).parent / "manifest_check_skips.yaml").read_text())
PER_SERVICE = ("apps_v1-deployment", "v1-service", "v1-serviceaccount",
               "networking.k8s.io_v1-networkpolicy")


def service_names(project: Project) -> list[str]:
    return sorted(p.stem for p in project.services.glob("*.yaml"))


def test_up_renders_every_service_and_a_second_up_changes_nothing(project: Project) -> None:
    first = project.up()
    files = project.manifests()
    for service in service_names(project):
        for kind in PER_SERVICE:
            assert f"1-manifest/{kind}-slipway-dev-{service}.yaml" in files, (service, kind)
    assert "1-manifest/v1-namespace-default-slipway-dev.yaml" in files
    changes = stacks.operation_counts(first.summary.resource_changes)
    created = changes["create"]
    assert changes == {"create": created}
    assert created == len(project.resources())  # stack + provider + components + children
    second = project.up()
    assert stacks.operation_counts(second.summary.resource_changes) == {"same": created}
    assert project.manifests() == files


def test_changing_one_image_updates_only_that_deployment(project: Project) -> None:
    """A rolling service: the new image rolls out in that one Deployment (a canary service
    starts its release instead: tests/integration/test_deliver.py)."""
    project.up()
    before = project.manifests()
    inventory = project.services / "inventory.yaml"
    text = inventory.read_text()
    new_digest = "f" * 64
    inventory.write_text(re.sub(r"(shop/inventory@sha256:)[0-9a-f]{64}", rf"\g<1>{new_digest}",
                                text))
    project.up()
    changed = project.changed_urns()
    assert list(changed) == ["update"]
    assert [urn.rsplit("::", 1)[1] for urn in changed["update"]] == ["inventory-deployment"]
    after = project.manifests()
    differing = sorted(name for name in before if before[name] != after.get(name))
    assert differing == ["1-manifest/apps_v1-deployment-slipway-dev-inventory.yaml"]
    assert new_digest in after[differing[0]]


def test_removing_a_service_deletes_exactly_its_files(project: Project) -> None:
    project.up()
    before = set(project.manifests())
    (project.services / "recommendations.yaml").unlink()
    project.up()
    after = set(project.manifests())
    assert after < before
    assert all("recommendations" in name for name in before - after)
    assert {n for n in before if "recommendations" in n} == before - after
    assert set(project.changed_urns()) == {"delete"}


def test_destroy_leaves_nothing(project: Project) -> None:
    project.up()
    assert project.manifests()
    project.stack().destroy(color="never")
    assert project.manifests() == {}
    assert project.resources() == []


def test_manifests_pass_kubernetes_validate_strict_for_1_33(project: Project) -> None:
    project.up()
    skipped_kinds = set(SKIPS["kubernetes-validate"])
    files = []
    for name, text in sorted(project.manifests().items()):
        document = yaml.safe_load(text)
        if f"{document['apiVersion']}/{document['kind']}" not in skipped_kinds:
            files.append(str(project.out / name))
    assert len(files) > 30
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "kubernetes-validate"), "-k", "1.33.0", "--strict",
         "--quiet", *files],
        capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ERROR" not in result.stdout and "INVALID" not in result.stdout.upper()


def test_manifests_pass_checkov_kubernetes_checks(project: Project) -> None:
    checkov = ROOT / ".venv-checkov" / "bin" / "checkov"
    if not checkov.exists():
        pytest.fail("checkov is missing: `make test` installs it (make checkov)", pytrace=False)
    project.up()
    result = subprocess.run(
        [str(checkov), "-d", str(project.out), "--framework", "kubernetes", "--skip-download",
         "--compact", "--quiet", "-o", "json", "--skip-check", ",".join(SKIPS["checkov"])],
        capture_output=True, text=True, check=False)
    report = yaml.safe_load(result.stdout)
    summary = report["summary"]
    assert summary["failed"] == 0, result.stdout[-4000:]
    assert summary["passed"] > 300


def test_secret_values_never_appear_in_plain_text(project: Project) -> None:
    value = "integration-plaintext-canary-7f3a"
    stack = project.stack()
    stack.set_config("slipway:secretValues.orders.DB_PASSWORD",
                     auto.ConfigValue(value, secret=True), path=True)
    project.up()
    stack_file = (project.path / "Pulumi.dev.yaml").read_text()
    assert "secretValues" in stack_file and "secure: v1:" in stack_file  # stored, encrypted
    assert value not in stack_file
    assert value not in project.state_text()
    assert all(value not in text for text in project.manifests().values())
    assert value not in "\n".join(project.log)
    assert value not in repr(stack.outputs())


def test_rendering_with_stack_secrets_and_no_store_is_refused(project: Project) -> None:
    stack_file = project.path / "Pulumi.dev.yaml"
    text = stack_file.read_text()
    stack_file.write_text(re.sub(r"  slipway:secretStore:\n(    .*\n)+", "", text))
    with pytest.raises(auto.errors.CommandError) as caught:
        project.up()
    assert "Pulumi.dev.yaml: slipway:secretStore: is required when kubernetes.renderDir is " \
           "set" in str(caught.value)
    assert project.manifests() == {}


def test_invalid_catalog_fails_with_file_and_field_and_leaves_state(project: Project) -> None:
    project.up()
    before = project.resources()
    files = project.manifests()
    orders = project.services / "orders.yaml"
    orders.write_text(orders.read_text().replace("min: 3, max: 12", "min: 30, max: 12"))
    with pytest.raises(auto.errors.CommandError) as caught:
        project.up()
    assert "services/orders.yaml: scaling.min: must be <= scaling.max (got 30 > 12)" in str(
        caught.value)
    assert project.resources() == before
    assert project.manifests() == files
