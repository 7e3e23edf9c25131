"""`slipway release` against the dev stack with the real engine: the rendered routes carry each
step's weights, rollback restores exactly the files from before the release, blue-green flips
and flips back, a flag flip changes only the flags ConfigMap, a contract migration is refused
mid-release, and the policy pack passes on mid-release states."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi import automation as auto
from typer.testing import CliRunner

from engine_project import ROOT, Project
from slipway.cli import app

NEW_DIGEST = "e" * 64
STOREFRONT_IMAGE = f"registry.example.com/shop/storefront@sha256:{NEW_DIGEST}"
PAYMENTS_IMAGE = f"registry.example.com/shop/payments@sha256:{NEW_DIGEST}"
ROUTE = "1-manifest/gateway.networking.k8s.io_v1-httproute-slipway-dev-storefront.yaml"


def release(project: Project, *args: str) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(app, ["release", *args, "--stack", "dev", "--json",
                                      "--project-dir", str(project.path)])
    lines = result.stdout.strip().splitlines()
    return result.exit_code, (json.loads(lines[-1]) if lines else {}), result.stderr


def documents(project: Project) -> dict[str, dict[str, Any]]:
    return {name: yaml.safe_load(text) for name, text in project.manifests().items()}


def route_weights(project: Project, name: str = ROUTE) -> list[tuple[str, int]]:
    route = documents(project)[name]
    assert route["kind"] == "HTTPRoute"
    return [(ref["name"], ref["weight"]) for ref in route["spec"]["rules"][0]["backendRefs"]]


def deployments(project: Project, service: str) -> dict[str, str]:
    """Deployment name -> image, for one service."""
    return {
        doc["metadata"]["name"]: doc["spec"]["template"]["spec"]["containers"][0]["image"]
        for doc in documents(project).values()
        if doc["kind"] == "Deployment" and doc["metadata"]["labels"][
            "app.kubernetes.io/name"] == service
    }


def history_messages(project: Project) -> list[str]:
    return [entry.message for entry in reversed(project.stack().history())]


def differing(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(name for name in before.keys() | after.keys()
                  if before.get(name) != after.get(name))


def test_canary_steps_weights_rollback_restores_files_then_promotes_to_stable(
        project: Project) -> None:
    project.up()
    before = project.manifests()
    assert route_weights(project) == [("storefront-stable", 100)]

    code, out, err = release(project, "start", "storefront", "--version", "2.5.0",
                             "--image", STOREFRONT_IMAGE)
    assert code == 0, err
    assert out["steps"][0]["message"] == "slipway release start storefront 2.5.0"
    assert route_weights(project) == [("storefront-stable", 99), ("storefront-canary", 1)]
    assert deployments(project, "storefront") == {
        "storefront": before_image(before), "storefront-canary": STOREFRONT_IMAGE}

    for weight in (5, 25):
        code, out, err = release(project, "promote", "storefront")
        assert code == 0, err
        assert out["weight"] == weight
        assert out["deployed"]["weight"] == weight
        assert route_weights(project) == [("storefront-stable", 100 - weight),
                                          ("storefront-canary", weight)]

    code, out, err = release(project, "rollback", "storefront")
    assert code == 0, err
    assert out["candidate"] is None and out["stable"]["version"] == "2.4.0"
    assert project.manifests() == before

    # Again, to the end: at 100 the candidate is the stable track, nothing canary is left.
    release(project, "start", "storefront", "--version", "2.5.0", "--image", STOREFRONT_IMAGE)
    for _ in range(3):
        code, out, err = release(project, "promote", "storefront")
        assert code == 0, err
    assert out["stable"] == {"version": "2.5.0", "image": STOREFRONT_IMAGE,
                             "source": "recorded progress"}
    assert out["candidate"] is None
    assert deployments(project, "storefront") == {"storefront": STOREFRONT_IMAGE}
    assert route_weights(project) == [("storefront-stable", 100)]
    assert not any("storefront-canary" in name for name in project.manifests())
    assert history_messages(project) == [
        "", "slipway release start storefront 2.5.0",
        "slipway release step storefront 2.5.0 weight=5",
        "slipway release step storefront 2.5.0 weight=25",
        "slipway release rollback storefront 2.5.0",
        "slipway release start storefront 2.5.0",
        "slipway release step storefront 2.5.0 weight=5",
        "slipway release step storefront 2.5.0 weight=25",
        "slipway release promote storefront 2.5.0",
    ]
    # The progress is recorded in the backend (the stack's output), never in the checkout.
    assert project.progress()["storefront"]["stable"] == {"version": "2.5.0",
                                                          "image": STOREFRONT_IMAGE}
    stack_file = yaml.safe_load((project.path / "Pulumi.dev.yaml").read_text())
    assert "slipway:releases" not in stack_file["config"]


def before_image(manifests: dict[str, str]) -> str:
    deployment = yaml.safe_load(manifests["1-manifest/apps_v1-deployment-slipway-dev-"
                                          "storefront.yaml"])
    return str(deployment["spec"]["template"]["spec"]["containers"][0]["image"])


def _with_image(text: str, service: str, image: str) -> str:
    """The service file with its `image:` line set to `image`."""
    lines = [f"image: {image}" if line.startswith("image:") else line
             for line in text.splitlines()]
    return "\n".join(lines) + "\n"


def blue_green_payments(project: Project) -> None:
    payments = project.services / "payments.yaml"
    payments.write_text(payments.read_text() + "release: {strategy: blue-green}\n")


def test_blue_green_preview_flip_and_flip_back(project: Project) -> None:
    blue_green_payments(project)
    project.up()
    old_image = deployments(project, "payments")["payments-blue"]
    assert set(deployments(project, "payments")) == {"payments-blue"}

    code, _, err = release(project, "start", "payments", "--version", "3.2.0",
                           "--image", PAYMENTS_IMAGE)
    assert code == 0, err
    assert deployments(project, "payments") == {"payments-blue": old_image,
                                                "payments-green": PAYMENTS_IMAGE}
    docs = documents(project)
    main = "1-manifest/v1-service-slipway-dev-payments.yaml"
    preview = "1-manifest/v1-service-slipway-dev-payments-preview.yaml"
    assert docs[main]["spec"]["selector"]["slipway.dev/slot"] == "blue"
    assert docs[preview]["spec"]["selector"]["slipway.dev/slot"] == "green"
    started = project.manifests()

    code, out, err = release(project, "promote", "payments")
    assert code == 0, err
    assert out["steps"][0]["message"] == "slipway release flip payments 3.2.0"
    flipped = project.manifests()
    # Flipping is a selector change: the two Services, nothing else.
    assert differing(started, flipped) == sorted([main, preview])
    assert yaml.safe_load(flipped[main])["spec"]["selector"]["slipway.dev/slot"] == "green"

    code, out, err = release(project, "rollback", "payments")
    assert code == 0, err
    assert out["live"] == "blue"
    assert project.manifests() == started

    release(project, "promote", "payments")  # flip
    code, out, err = release(project, "promote", "payments")  # finish
    assert code == 0, err
    assert out["stable"]["version"] == "3.2.0" and out["live"] == "green"
    assert deployments(project, "payments") == {"payments-green": PAYMENTS_IMAGE}
    assert preview not in project.manifests()


def test_flipping_a_flag_changes_only_the_flags_configmap(project: Project) -> None:
    project.up()
    before = project.manifests()
    storefront = project.services / "storefront.yaml"
    storefront.write_text(storefront.read_text().replace("newCheckout: false",
                                                         "newCheckout: true"))
    project.up()
    changed = project.changed_urns()
    assert list(changed) == ["update"]
    assert [urn.rsplit("::", 1)[1] for urn in changed["update"]] == ["storefront-flags"]
    after = project.manifests()
    name = "1-manifest/v1-configmap-slipway-dev-storefront-flags.yaml"
    assert differing(before, after) == [name]
    assert json.loads(yaml.safe_load(after[name])["data"]["flags.json"])["newCheckout"] is True


def test_contract_migration_is_refused_while_a_release_changes_the_version(
        project: Project) -> None:
    project.up()
    # The bump a service team merges: the next update starts the canary at its first step.
    orders = project.services / "orders.yaml"
    orders.write_text(orders.read_text().replace("version: 1.8.3", "version: 1.9.0"))
    orders.write_text(_with_image(orders.read_text(), "orders",
                                  f"registry.example.com/shop/orders@sha256:{NEW_DIGEST}"))
    project.up()
    human = CliRunner().invoke(app, ["release", "status", "orders", "--stack", "dev",
                                     "--project-dir", str(project.path)])
    assert human.exit_code == 0
    assert human.stderr.strip() == ("orders (canary): stable 1.8.3 (from the recorded "
                                    "progress), candidate 1.9.0 at 1%")
    migrations = [n for n in project.manifests() if "job-slipway-dev-orders-migrate" in n]
    assert migrations == ["1-manifest/batch_v1-job-slipway-dev-orders-migrate-1-9-0.yaml"]
    before = project.manifests()
    orders.write_text(orders.read_text().replace("phase: expand", "phase: contract"))
    with pytest.raises(auto.errors.CommandError) as caught:
        project.up()
    assert ("orders: migration.phase: contract is refused in a release that changes the "
            "version (1.8.3 -> 1.9.0 is under way)") in str(caught.value)
    assert project.manifests() == before
    # The tool refuses to start one too, before touching the stack.
    release(project, "rollback", "orders")
    code, out, _ = release(project, "start", "orders", "--version", "1.9.0", "--image",
                           f"registry.example.com/shop/orders@sha256:{NEW_DIGEST}")
    assert code == 1
    assert "orders: migration.phase is contract" in out["error"]


def test_policy_pack_passes_on_mid_release_states(project: Project, tmp_path: Path) -> None:
    """Canary at 5% and blue-green flipped, previewed with every rule mandatory (the image
    signature rule off: these test candidates are not signed)."""
    blue_green_payments(project)
    project.up()
    release(project, "start", "storefront", "--version", "2.5.0", "--image", STOREFRONT_IMAGE)
    release(project, "promote", "storefront")
    release(project, "start", "payments", "--version", "3.2.0", "--image", PAYMENTS_IMAGE)
    code, _, err = release(project, "promote", "payments")
    assert code == 0, err
    config = json.loads((ROOT / "policy" / "config" / "dev.json").read_text())
    for rule in config.values():
        if rule.get("enforcementLevel") == "advisory":
            rule["enforcementLevel"] = "mandatory"
    config["slipway-k8s-workload-image-signature"]["enforcementLevel"] = "disabled"
    config_file = tmp_path / "mandatory.json"
    config_file.write_text(json.dumps(config))
    result = subprocess.run(
        ["pulumi", "preview", "--stack", "dev", "--cwd", str(project.path), "--non-interactive",
         "--color", "never", "--policy-pack", str(ROOT / "policy"),
         "--policy-pack-config", str(config_file)],
        capture_output=True, text=True, check=False,
        env={**os.environ, **project.handoff_env()}, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "mandatory" not in result.stdout and "advisory" not in result.stdout
