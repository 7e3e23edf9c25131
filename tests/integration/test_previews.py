"""Review stacks and the prod guard with the real engine, through the `slipway` tool.

Each test works on a throwaway project copy with its own local backend; the policy pack is the
repository's (policy/), run by the engine exactly as `slipway preview` runs it in a pull request.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto
from typer.testing import CliRunner

from engine_project import ROOT, Project, render_prod_without_aws
from slipway.cli import app
from slipway.tooling import guard, previews

POLICY = ROOT / "policy"
SIGNATURE_RULE = "slipway-k8s-workload-image-signature"


def run(project: Project, *args: str) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(app, [*args, "--json", "--project-dir", str(project.path)])
    lines = result.stdout.strip().splitlines()
    document = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    return result.exit_code, document, result.stderr


def pr(project: Project, number: int, *args: str) -> tuple[int, dict[str, Any], str]:
    return run(project, "preview", "--pr", str(number), "--policy-pack", str(POLICY), *args)


def stack_names(project: Project) -> set[str]:
    workspace = auto.LocalWorkspace(work_dir=str(project.path))
    return {s.name for s in workspace.list_stacks()}


def change_orders_digest(project: Project) -> None:
    orders = project.services / "orders.yaml"
    orders.write_text(re.sub(r"(shop/orders@sha256:)[0-9a-f]{64}", r"\g<1>" + "f" * 64,
                             orders.read_text()))


def test_review_stack_is_derived_from_dev_with_pr_labels_and_expiry(project: Project) -> None:
    code, result, err = pr(project, 7, "--up")
    assert code == 0, err[-3000:]
    assert result["environment"] == "pr-7"
    assert result["up"]["renderDir"] == "out/pr-7"
    assert result["plan"]["violations"] == []  # the example catalog is clean
    settings = previews.read_stack_file(project.path, "pr-7")["config"]
    assert settings["slipway:namespace"] == "pr-7"
    assert settings["slipway:revisionHistoryLimit"] == "1"
    expires = previews.parse_timestamp(settings["slipway:preview"]["expires"])
    assert timedelta(days=6) < expires - datetime.now(UTC) <= timedelta(days=7)
    namespace = (project.path / "out/pr-7/1-manifest/v1-namespace-default-pr-7.yaml").read_text()
    assert 'slipway.dev/pr: "7"' in namespace
    assert f'slipway.dev/expires: "{expires:%Y-%m-%d}"' in namespace
    # The spec's environments.pr override applies: orders runs 1-2 replicas, not 3-12.
    hpa = (project.path / "out/pr-7/1-manifest/autoscaling_v2-horizontalpodautoscaler-pr-7-"
           "orders.yaml").read_text()
    assert "minReplicas: 1" in hpa and "maxReplicas: 2" in hpa


def test_a_pr_changing_one_image_yields_a_summary_naming_exactly_that_update(
    project: Project, tmp_path: Path
) -> None:
    code, _, err = pr(project, 11, "--up")
    assert code == 0, err[-3000:]
    lifetime = previews.read_stack_file(project.path, "pr-11")["config"]["slipway:preview"]
    change_orders_digest(project)
    # The next push runs on a fresh checkout: the review stack's file is derived again, its
    # lifetime read back from the stack's tags.
    (project.path / "Pulumi.pr-11.yaml").unlink()
    markdown = tmp_path / "summary.md"
    code, result, err = pr(project, 11, "--markdown", str(markdown))
    assert code == 0, err[-3000:]
    steps = result["plan"]["steps"]
    assert [(s["op"], s["service"], s["urn"].rsplit("::", 1)[1]) for s in steps] == [
        ("update", "orders", "orders-deployment")]
    text = markdown.read_text()
    assert text.startswith("<!-- slipway-preview:pr-11 -->\n")
    assert "**1 to update**" in text
    assert re.findall(r"^#### .*$", text, re.MULTILINE)[:1] == ["#### `orders`"]
    assert re.findall(r"^- .*$", text, re.MULTILINE) == ["- update Deployment `orders-deployment`"]
    assert "[!WARNING]" not in text  # an update, not a replacement
    assert previews.read_stack_file(project.path, "pr-11")["config"]["slipway:preview"] == (
        lifetime)


def test_a_pr_breaking_a_policy_lists_the_violation(project: Project, tmp_path: Path) -> None:
    change_orders_digest(project)  # the signature no longer matches the image digest
    markdown = tmp_path / "summary.md"
    code, result, err = pr(project, 12, "--markdown", str(markdown))
    assert code == 0, err[-3000:]  # dev.json: advisory
    found = {(v["rule"], v["level"], v["service"], v["urn"].rsplit("::", 1)[1])
             for v in result["plan"]["violations"]}
    assert found == {(SIGNATURE_RULE, "advisory", "orders", "orders-deployment")}
    row = next(line for line in markdown.read_text().splitlines() if SIGNATURE_RULE in line)
    assert row.startswith(f"| advisory | `{SIGNATURE_RULE}` | Deployment orders-deployment | "
                          "orders |")

    mandatory = json.loads((POLICY / "config" / "dev.json").read_text())
    mandatory[SIGNATURE_RULE]["enforcementLevel"] = "mandatory"
    config = tmp_path / "mandatory.json"
    config.write_text(json.dumps(mandatory))
    code, result, _ = pr(project, 12, "--markdown", str(markdown), "--policy-config", str(config))
    assert code == 1
    assert result["plan"]["failed"] is True
    assert [(v["rule"], v["level"]) for v in result["plan"]["violations"]] == [
        (SIGNATURE_RULE, "mandatory")]
    text = markdown.read_text()
    assert "**The preview failed.**" in text
    assert f"| mandatory | `{SIGNATURE_RULE}` | Deployment orders-deployment |" in text


def test_up_then_destroy_leaves_no_stack_and_no_files(project: Project) -> None:
    code, _, err = pr(project, 8, "--up")
    assert code == 0, err[-3000:]
    rendered = project.path / "out" / "pr-8"
    assert len(list(rendered.rglob("*.yaml"))) > 30
    assert "pr-8" in stack_names(project)

    code, result, err = run(project, "preview", "--pr", "8", "--destroy")
    assert code == 0, err[-3000:]
    assert result["destroyed"] is True
    assert result["changes"]["delete"] > 30
    assert set(result["removed"]) == {"Pulumi.pr-8.yaml", "out/pr-8/"}
    assert not rendered.exists()
    assert not (project.path / "Pulumi.pr-8.yaml").exists()
    assert "pr-8" not in stack_names(project)
    # The stack's state is gone (the file backend keeps only history and .bak copies).
    assert not (project.backend / ".pulumi" / "stacks" / "slipway" / "pr-8.json").exists()
    assert (project.path / "Pulumi.dev.yaml").exists()  # the base is untouched
    # Idempotent: the cleanup workflow may run twice.
    code, result, _ = run(project, "preview", "--pr", "8", "--destroy")
    assert code == 0 and result["destroyed"] is False


def test_gc_destroys_only_expired_review_stacks(project: Project) -> None:
    project.up("dev")
    for number in (1, 2):
        code, _, err = pr(project, number, "--up")
        assert code == 0, err[-3000:]
    past = datetime.now(UTC) - timedelta(days=1)
    expired = project.stack("pr-1")
    expired.set_tag(previews.TAG_CREATED, previews.timestamp(past - timedelta(days=7)))
    expired.set_tag(previews.TAG_EXPIRES, previews.timestamp(past))
    # gc runs on a fresh checkout: the (gitignored) review stack files are not there.
    (project.path / "Pulumi.pr-1.yaml").unlink()
    (project.path / "Pulumi.pr-2.yaml").unlink()

    code, result, err = run(project, "previews", "gc", "--older-than", "7d")
    assert code == 0, err[-3000:]
    assert result["destroyed"] == ["pr-1"]
    assert result["kept"] == ["pr-2"]
    assert stack_names(project) == {"dev", "pr-2"}
    assert not (project.path / "out" / "pr-1").exists()
    assert list((project.path / "out" / "pr-2").rglob("*.yaml"))
    assert project.manifests()  # dev's rendered files are untouched

    # --older-than: created longer ago than that counts as expired, whatever the expiry says.
    code, result, _ = run(project, "previews", "gc", "--older-than", "1m")
    assert code == 0
    assert result["destroyed"] == []  # pr-2 was created seconds ago
    project.stack("pr-2").set_tag(previews.TAG_CREATED, previews.timestamp(past))
    code, result, _ = run(project, "previews", "gc", "--older-than", "1h")
    assert result["destroyed"] == ["pr-2"]
    assert stack_names(project) == {"dev"}


# -- the prod guard -------------------------------------------------------------------------

SELECTOR_PATCH = '''
# Test only: a code change that adds a label to every pod and server selector (Deployment,
# PDB, Service), consistently, so only the immutable Deployment selector forces replacements.
import slipway.labels as _labels

_server_selector, _standard_labels = _labels.server_selector, _labels.standard_labels
_labels.server_selector = lambda service, environment: {
    **_server_selector(service, environment), "slipway.dev/tier": "backend"}
_labels.standard_labels = lambda *args, **kwargs: {
    **_standard_labels(*args, **kwargs), "slipway.dev/tier": "backend"}
'''


@pytest.fixture
def prod(project: Project) -> Project:
    """The prod stack's Kubernetes side rendered to out/prod (no AWS plugin here), deployed."""
    render_prod_without_aws(project)
    code, _, err = run(project, "up", "--stack", "prod", "--policy-pack", str(POLICY))
    assert code == 0, err[-3000:]
    return project


def test_prod_guard_refuses_a_selector_change_until_approved(
    prod: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    main = prod.path / "__main__.py"
    main.write_text(SELECTOR_PATCH + main.read_text())
    services = sorted(p.stem for p in prod.services.glob("*.yaml"))

    code, result, err = run(prod, "preview", "--stack", "prod", "--policy-pack", str(POLICY))
    assert code == 3, err[-3000:]
    assert result["guard"]["blocked"] is True
    replaced = {(s["type"].rsplit(":", 1)[1], s["urn"].rsplit("::", 1)[1])
                for s in result["plan"]["steps"] if s["op"] == "replace"}
    assert {("Deployment", f"{name}-deployment") for name in services} <= replaced
    for name in services:
        assert (f"replace Deployment {name}-deployment (forced by "
                'spec.selector.matchLabels["slipway.dev/tier"]): its pods are all recreated at '
                "once (downtime)") in err
    assert "re-run with --approve-disruption" in err

    before = prod.resources("prod")
    code, result, err = run(prod, "up", "--stack", "prod", "--policy-pack", str(POLICY))
    assert code == 3, err[-3000:]
    assert prod.resources("prod") == before  # nothing was applied

    monkeypatch.setenv(guard.APPROVAL_ENV, "true")
    code, result, err = run(prod, "preview", "--stack", "prod", "--policy-pack", str(POLICY))
    assert code == 0, err[-3000:]
    assert result["guard"] == {"blocked": False, "approved": True,
                               "disruptions": result["guard"]["disruptions"]}
    assert len(result["guard"]["disruptions"]) >= len(services)
    monkeypatch.delenv(guard.APPROVAL_ENV)

    code, result, err = run(prod, "up", "--stack", "prod", "--policy-pack", str(POLICY),
                            "--approve-disruption")
    assert code == 0, err[-3000:]
    assert result["changes"].get("replace", 0) >= len(services)
    deployment = (prod.path / "out/prod/1-manifest/apps_v1-deployment-slipway-prod-orders.yaml")
    assert "slipway.dev/tier: backend" in deployment.read_text()


def test_the_guard_ignores_the_same_change_outside_prod(project: Project) -> None:
    project.up("dev")
    main = project.path / "__main__.py"
    main.write_text(SELECTOR_PATCH + main.read_text())
    code, result, err = run(project, "preview", "--stack", "dev", "--policy-pack", str(POLICY))
    assert code == 0, err[-3000:]
    assert result["changes"]["replace"] > 0
    assert result["guard"] == {"blocked": False, "approved": False, "disruptions": []}


def test_a_pr_with_a_bad_service_file_gets_a_summary_naming_file_and_field(
    project: Project, tmp_path: Path
) -> None:
    orders = project.services / "orders.yaml"
    orders.write_text(orders.read_text().replace("port: 8080", "port: 80"))
    markdown = tmp_path / "summary.md"
    code, result, _ = pr(project, 13, "--markdown", str(markdown))
    assert code == 1
    assert result["plan"]["failed"] is True
    assert ("services/orders.yaml: port: must be from 1024 to 65535 (got 80)"
            in result["plan"]["errors"][0])
    text = markdown.read_text()
    assert "> [!CAUTION]\n> **The preview failed.**" in text
    assert "> - services/orders.yaml: port: must be from 1024 to 65535 (got 80)" in text
