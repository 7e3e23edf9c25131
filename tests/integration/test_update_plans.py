"""Guarded updates apply exactly the checked plan, with the real engine (tooling/plans.py).

prod's Kubernetes side is rendered without AWS (engine_project.render_prod_without_aws) and
deployed with `slipway up --stack prod`, itself a planned update. Then a service changes
between the check (preview + guard + policy pack) and the apply.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from engine_project import ROOT, Project, render_prod_without_aws
from slipway.cli import app, planned, stack_commands
from slipway.cli.planned import PLAN_DRIFT
from slipway.tooling import plans, previews, releases

POLICY = ROOT / "policy"
POLICY_PACK = previews.PolicyPack(path=POLICY, config=POLICY / "config" / "prod.json")


def run(project: Project, *args: str) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(app, [*args, "--json", "--project-dir", str(project.path)])
    lines = result.stdout.strip().splitlines()
    document = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    return result.exit_code, document, result.stderr


def set_log_level(project: Project, service: str, level: str) -> str:
    """A reviewed kind of change (images must stay signed, so not the digest)."""
    path = project.services / f"{service}.yaml"
    path.write_text(re.sub(r"LOG_LEVEL: \w+", f"LOG_LEVEL: {level}", path.read_text()))
    return level


def log_level(project: Project, service: str) -> str:
    """LOG_LEVEL as prod's state holds it (the service's ConfigMap)."""
    for resource in project.resources("prod"):
        if resource["type"] == "kubernetes:core/v1:ConfigMap" and \
                resource["urn"].rsplit("::", 1)[1].startswith(f"{service}-config"):
            return str(resource["inputs"]["data"]["LOG_LEVEL"])
    raise AssertionError(f"no {service} ConfigMap in prod's state")


def rendered_deployment(project: Project, service: str) -> str:
    name = f"apps_v1-deployment-slipway-prod-{service}.yaml"
    return (project.path / "out/prod/1-manifest" / name).read_text()


@pytest.fixture
def prod(project: Project) -> Project:
    render_prod_without_aws(project)
    code, result, err = run(project, "up", "--stack", "prod", "--policy-pack", str(POLICY))
    assert code == 0, err[-3000:]
    assert result["changes"]["create"] > 0
    return project


def test_up_refuses_a_service_changed_between_the_check_and_the_apply(
    prod: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = set_log_level(prod, "payments", "debug")  # the change the reviewers saw
    sneaked: list[str] = []

    def preview_then_change(*args: Any, **kwargs: Any) -> Any:
        plan = real_preview(*args, **kwargs)
        sneaked.append(set_log_level(prod, "orders", "warn"))  # lands after the check
        return plan

    real_preview = planned.checked_preview
    monkeypatch.setattr(stack_commands, "checked_preview", preview_then_change)
    before = prod.resources("prod")
    payments_manifest = rendered_deployment(prod, "payments")

    code, _, err = run(prod, "up", "--stack", "prod", "--policy-pack", str(POLICY))

    assert sneaked, "the check ran"
    assert code == PLAN_DRIFT, err[-3000:]
    assert "orders-deployment: steps ['same'] -> ['update']" in err
    assert "payments-deployment" not in err  # the checked change is not a difference
    assert prod.resources("prod") == before  # the stack is untouched, checked change included
    assert rendered_deployment(prod, "payments") == payments_manifest

    # A new check sees both changes and applies them.
    monkeypatch.setattr(stack_commands, "checked_preview", real_preview)
    code, result, err = run(prod, "up", "--stack", "prod", "--policy-pack", str(POLICY))
    assert code == 0, err[-3000:]
    assert result["changes"].get("update", 0) + result["changes"].get("replace", 0) >= 2
    assert log_level(prod, "payments") == checked
    assert log_level(prod, "orders") == sneaked[0]


def test_the_engine_refuses_a_resource_that_leaves_the_plan_after_the_recheck(
    prod: Project, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Layer 2: a change after Slipway's recheck (simulated by skipping that comparison) is
    refused by the engine itself, resource by resource."""
    orders_before = log_level(prod, "orders")
    payments_before = log_level(prod, "payments")
    checked = set_log_level(prod, "payments", "debug")
    assert checked != payments_before
    plan_file = tmp_path / "plans" / plans.PLAN_FILE
    plan_file.parent.mkdir()
    plan = previews.plan("prod", prod.path, POLICY_PACK, plan_file=plan_file)
    assert not plan.failed, plan.errors
    changed = {s.name for s in plan.steps if s.op != "same"}
    assert "payments-deployment" in changed
    assert all(name.startswith("payments-") for name in changed), changed
    assert plan_file.is_file()
    set_log_level(prod, "orders", "warn")
    monkeypatch.setattr(plans, "differences", lambda checked, now: [])

    with pytest.raises(plans.PlanDriftError) as refused:
        plans.apply("prod", prod.path, plan_file, POLICY_PACK)

    # The engine stops at the first orders resource that leaves the plan (its ConfigMap).
    assert any("::orders-" in line and plans.VIOLATION in line
               for line in refused.value.differences), refused.value.differences
    assert log_level(prod, "orders") == orders_before  # never applied
    # Steps run in parallel, so the checked payments change may or may not have been applied
    # when the engine stopped; either way it is the checked value or the old one, nothing else.
    assert log_level(prod, "payments") in {payments_before, checked}


def test_a_plan_made_by_another_preview_of_the_same_program_has_no_differences(
    prod: Project, tmp_path: Path
) -> None:
    """The comparison does not refuse an unchanged program (plans carry random seeds)."""
    set_log_level(prod, "payments", "debug")
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    for path in (first, second):
        previews.plan("prod", prod.path, POLICY_PACK, plan_file=path)
    assert plans.differences(first, second) == []
    set_log_level(prod, "orders", "warn")
    third = tmp_path / "third.json"
    previews.plan("prod", prod.path, POLICY_PACK, plan_file=third)
    found = [d.split("::")[-1] for d in plans.differences(first, third)]
    assert "orders-deployment: steps ['same'] -> ['update']" in found
    assert all(line.startswith("orders-") for line in found), found


def test_preview_up_applies_the_plan_it_checked(project: Project) -> None:
    code, result, err = run(project, "preview", "--pr", "5", "--up", "--policy-pack",
                            str(POLICY))
    assert code == 0, err[-3000:]
    assert result["up"]["changes"]["create"] == sum(result["changes"].values())
    assert not list(project.path.rglob("*plan*.json"))  # plans never land in the checkout



def test_a_release_step_in_prod_applies_the_plan_its_preview_checked(
    prod: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`slipway release` in prod: the step's preview (policy pack) saves the plan, the update
    applies exactly that plan; a service changed in between refuses the step (exit 4)."""
    storefront_file = prod.services / "storefront.yaml"
    # The canary track keeps its default of 1 replica: prod's pack (3 replicas) counts it with
    # the stable track behind the same Service.
    storefront = yaml.safe_load(storefront_file.read_text())
    assert "canaryReplicas" not in storefront["release"]
    # A new version of the same signed image: prod's policy pack checks the signature.
    start = ("release", "start", "storefront", "--stack", "prod", "--version", "2.5.0",
             "--policy-pack", str(POLICY),
             "--image", storefront["image"],
             "--signature-payload", storefront["signature"]["payload"],
             "--signature", storefront["signature"]["base64Signature"])
    sneaked: list[str] = []

    def preview_then_change(*args: Any, **kwargs: Any) -> Any:
        plan = real_preview(*args, **kwargs)
        if not sneaked:
            sneaked.append(set_log_level(prod, "orders", "warn"))  # lands after the check
        return plan

    real_preview = releases.checked_preview
    monkeypatch.setattr(releases, "checked_preview", preview_then_change)
    before, recorded = prod.resources("prod"), prod.progress("prod")

    code, result, err = run(prod, *start)
    assert sneaked, (code, result, err[-3000:])
    assert code == PLAN_DRIFT, err[-3000:]
    assert "orders-deployment: steps ['same'] -> ['update']" in result["error"]
    assert "storefront-canary" not in result["error"]  # the checked step is not a difference
    assert prod.resources("prod") == before
    assert prod.progress("prod") == recorded

    # Nothing changes during this run: the step's checked plan is applied (with orders'
    # change, which is in the checkout the preview saw).
    code, result, err = run(prod, *start)
    assert code == 0, err[-3000:]
    assert (result["candidate"]["version"], result["weight"]) == ("2.5.0", 1)
    assert prod.progress("prod")["storefront"]["candidate"]["version"] == "2.5.0"
    assert log_level(prod, "orders") == "warn"
    assert prod.stack("prod").history()[0].message == "slipway release start storefront 2.5.0"
