"""Pure parts of review stacks: engine events -> plan, plan -> Markdown, the prod guard,
durations and expiry, the derived config, and the `slipway:preview` setting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto
from stack_fixtures import settings_from
from typer.testing import CliRunner

from slipway.cli import app
from slipway.spec.errors import SpecError
from slipway.stack import StackSettings, read_settings
from slipway.tooling import guard, previews, summary
from slipway.tooling.durations import parse_duration
from slipway.tooling.plan import STACK_SCOPE, Plan, Step, Violation, collect

STACK = "urn:pulumi:prod::slipway::pulumi:pulumi:Stack::slipway-prod"
SERVICE = "urn:pulumi:prod::slipway::slipway:index:Microservice::orders"
DEPLOYMENT = ("urn:pulumi:prod::slipway::slipway:index:Microservice$"
              "kubernetes:apps/v1:Deployment::orders-deployment")
CONFIGMAP = ("urn:pulumi:prod::slipway::slipway:index:Microservice$"
             "kubernetes:core/v1:ConfigMap::orders-config")
NAMESPACE_COMPONENT = "urn:pulumi:prod::slipway::slipway:index:ServiceNamespace::slipway-prod"
NAMESPACE = ("urn:pulumi:prod::slipway::slipway:index:ServiceNamespace$"
             "kubernetes:core/v1:Namespace::slipway-prod-namespace")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def step_event(op: str, urn: str, parent: str | None, keys: list[str] | None = None,
               diff: list[str] | None = None) -> auto.EngineEvent:
    rtype = urn.split("::")[2].rsplit("$", 1)[-1]
    state: dict[str, Any] = {"type": rtype, "urn": urn, "parent": parent or ""}
    data = {"sequence": 1, "timestamp": 0, "resourcePreEvent": {"metadata": {
        "op": op, "urn": urn, "type": rtype, "provider": "", "keys": keys,
        "diffs": sorted({path.split(".")[0] for path in diff or ()}),
        "detailedDiff": {path: {"diffKind": "update", "inputDiff": True} for path in diff or ()},
        "old": state if op in ("delete", "delete-replaced") else None,
        "new": None if op in ("delete", "delete-replaced") else state}}}
    return auto.EngineEvent.from_json(data)


def unhealthy_event(urn: str, *reasons: str) -> auto.EngineEvent:
    """The engine's warning when a refresh reads a resource its provider finds not ready."""
    message = "Refreshed resource is in an unhealthy state:\n* " + "\n* ".join(reasons) + "\n"
    return auto.EngineEvent.from_json({"sequence": 4, "timestamp": 0, "diagnosticEvent": {
        "message": message, "color": "never", "severity": "warning", "urn": urn}})


def policy_event(rule: str, level: str, urn: str | None, message: str) -> auto.EngineEvent:
    return auto.EngineEvent.from_json({"sequence": 2, "timestamp": 0, "policyEvent": {
        "message": message, "color": "never", "policyName": rule,
        "policyPackName": "slipway-kubernetes", "policyPackVersion": "0.1.0",
        "policyPackVersionTag": "0.1.0", "enforcementLevel": level,
        **({"resourceUrn": urn} if urn else {})}})


def error_event(message: str) -> auto.EngineEvent:
    return auto.EngineEvent.from_json({"sequence": 3, "timestamp": 0, "diagnosticEvent": {
        "message": message, "color": "never", "severity": "error"}})


def replace_events() -> list[auto.EngineEvent]:
    return [
        step_event("same", STACK, None),
        step_event("same", SERVICE, STACK),
        step_event("update", CONFIGMAP, SERVICE),
        # One replacement arrives as three steps; it must be one line.
        step_event("create-replacement", DEPLOYMENT, SERVICE, ["spec.selector"]),
        step_event("replace", DEPLOYMENT, SERVICE, ["spec.selector"]),
        step_event("delete-replaced", DEPLOYMENT, SERVICE),
        step_event("same", NAMESPACE_COMPONENT, STACK),
        step_event("delete", NAMESPACE, NAMESPACE_COMPONENT),
        policy_event("slipway-k8s-workload-probes", "advisory", DEPLOYMENT,
                     "Every workload has probes.\nDeployment 'orders' has no readiness probe."),
        policy_event("slipway-k8s-stack-freeze-window", "mandatory", None, "Frozen | until Monday"),
    ]


# -- events -> plan ---------------------------------------------------------------------------


def test_collect_gives_one_step_per_resource_with_its_service() -> None:
    plan = collect("prod", replace_events(), policy_pack="pack")
    assert [(s.op, s.name, s.service, s.keys) for s in plan.steps] == [
        ("update", "orders-config", "orders", ()),
        ("replace", "orders-deployment", "orders", ("spec.selector",)),
        ("delete", "slipway-prod-namespace", STACK_SCOPE, ()),
    ]
    assert plan.unchanged == 3
    assert plan.counts() == {"replace": 1, "delete": 1, "update": 1}


def test_collect_keeps_every_policy_finding_with_rule_level_and_resource() -> None:
    plan = collect("prod", replace_events(), policy_pack="pack")
    assert [(v.rule, v.level, v.resource, v.service) for v in plan.violations] == [
        ("slipway-k8s-workload-probes", "advisory", "Deployment orders-deployment", "orders"),
        ("slipway-k8s-stack-freeze-window", "mandatory", "the whole stack", STACK_SCOPE),
    ]
    assert plan.violations[0].message == (
        "Every workload has probes. Deployment 'orders' has no readiness probe.")


def test_collect_shortens_a_program_traceback_to_its_error() -> None:
    traceback = ("Program failed with an unhandled exception:\nTraceback (most recent call last):\n"
                 '  File "__main__.py", line 19, in <module>\n'
                 "slipway.spec.errors.SpecError: services/orders.yaml: port: must be from 1024 "
                 "to 65535 (got 80)\n")
    plan = collect("dev", [error_event(traceback), error_event("preview failed")], failed=True)
    assert plan.errors == ("services/orders.yaml: port: must be from 1024 to 65535 (got 80)",
                           "preview failed")


def test_collect_names_what_each_step_changes_and_why_a_resource_was_unhealthy() -> None:
    service = "urn:pulumi:prod::slipway::slipway:index:Microservice$kubernetes:core/v1:Service"
    plan = collect("prod", [
        step_event("update", DEPLOYMENT, SERVICE, diff=["spec.replicas", "spec.template"]),
        unhealthy_event(f"{service}::orders", "Service does not target any Pods. Selected Pods "
                        "may not be ready", "a second\n  reason"),
        # Only the engine's refresh warning counts; another warning on a resource does not.
        auto.EngineEvent.from_json({"sequence": 5, "timestamp": 0, "diagnosticEvent": {
            "message": "deprecated field", "color": "never", "severity": "warning",
            "urn": DEPLOYMENT}}),
        step_event("update", f"{service}::orders", SERVICE),
    ])
    deployment, svc = plan.steps
    assert (deployment.changes, deployment.unhealthy) == (("spec.replicas", "spec.template"), ())
    assert svc.changes == ()
    assert svc.unhealthy == ("Service does not target any Pods. Selected Pods may not be ready",
                             "a second reason")
    assert plan.to_json()["steps"][1]["unhealthy"] == list(svc.unhealthy)
    assert plan.to_json()["steps"][0]["changes"] == ["spec.replicas", "spec.template"]
    text = summary.render(plan)
    assert ("- update Service `orders` (no changes: unhealthy when read: Service does not target "
            "any Pods. Selected Pods may not be ready; a second reason)") in text
    assert "- update Deployment `orders-deployment`\n" in text


# -- plan -> Markdown -------------------------------------------------------------------------


def test_summary_calls_out_a_disruptive_replacement_and_lists_violations() -> None:
    text = summary.render(collect("prod", replace_events(), policy_pack="pack"))
    assert text.startswith("<!-- slipway-preview:prod -->\n### Preview of `prod`\n")
    assert "**1 to replace, 1 to delete, 1 to update**; 3 unchanged." in text
    assert ("> [!WARNING]\n> **1 replacement(s) that disrupt running services:**\n"
            "> - orders: Deployment `orders-deployment`: its pods are all recreated at once "
            "(downtime)\n") in text
    assert ("#### `orders`\n- **REPLACE** Deployment `orders-deployment` (forced by "
            "`spec.selector`)\n- update ConfigMap `orders-config`\n") in text
    assert "#### Stack-level resources\n- delete Namespace `slipway-prod-namespace`\n" in text
    # Mandatory first; a pipe in a message cannot break the table.
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`slipway" in line]
    assert rows == [
        "| mandatory | `slipway-k8s-stack-freeze-window` | the whole stack | (stack) | "
        "Frozen \\| until Monday |",
        "| advisory | `slipway-k8s-workload-probes` | Deployment orders-deployment | orders | "
        "Every workload has probes. Deployment 'orders' has no readiness probe. |",
    ]


def test_summary_of_an_update_has_no_warning_and_says_when_policies_did_not_run() -> None:
    plan = Plan(stack="pr-3", steps=(Step("update", CONFIGMAP, "kubernetes:core/v1:ConfigMap",
                                          "orders"),), unchanged=40)
    text = summary.render(plan, title="Preview of pull request #3")
    assert "[!WARNING]" not in text and "[!CAUTION]" not in text
    assert "### Preview of pull request #3\n\n**1 to update**; 40 unchanged." in text
    assert "Not checked: no policy pack ran for this preview." in text


def test_summary_of_a_failed_preview_says_so_first() -> None:
    plan = Plan(stack="pr-3", failed=True, policy_pack="pack", violations=(
        Violation("slipway-k8s-workload-image-digest", "mandatory", "Pin it.", DEPLOYMENT,
                  "orders"),))
    text = summary.render(plan)
    assert ("> [!CAUTION]\n> **The preview failed.** Nothing can be deployed until this is fixed:"
            "\n> - a mandatory policy was violated (see below)") in text
    assert "#### Policy violations (1)" in text


def test_summary_shows_the_guard_verdict() -> None:
    plan = collect("prod", replace_events(), policy_pack="pack")
    blocked = summary.render(plan, verdict=guard.check(plan, "prod", approved=False))
    approved = summary.render(plan, verdict=guard.check(plan, "prod", approved=True))
    assert "**Prod guard: BLOCKED until approved.**" in blocked
    assert "**Prod guard: approved.**" in approved


# -- the guard --------------------------------------------------------------------------------


def test_guard_blocks_replacing_a_deployment_and_deleting_the_namespace_in_prod() -> None:
    plan = collect("prod", replace_events())
    verdict = guard.check(plan, "prod", approved=False)
    assert verdict.blocked
    assert [d.describe() for d in verdict.disruptions] == [
        "replace Deployment orders-deployment (forced by spec.selector): its pods are all "
        "recreated at once (downtime)",
        "delete Namespace slipway-prod-namespace: everything in the namespace is deleted",
    ]
    assert verdict.message().splitlines()[0] == "guard: refusing 2 disruptive change(s) in prod:"
    assert "--approve-disruption" in verdict.message()


@pytest.mark.parametrize("rtype", ["kubernetes:policy/v1:PodDisruptionBudget",
                                   "kubernetes:networking.k8s.io/v1:NetworkPolicy"])
def test_guard_covers_pdbs_and_network_policies(rtype: str) -> None:
    plan = Plan(stack="prod", steps=(Step("replace", f"urn:pulumi:prod::slipway::{rtype}::x",
                                          rtype, "orders"),))
    assert guard.check(plan, "prod", approved=False).blocked


def test_guard_passes_updates_other_environments_and_approved_plans() -> None:
    update_only = Plan(stack="prod", steps=(
        Step("update", DEPLOYMENT, "kubernetes:apps/v1:Deployment", "orders"),
        Step("replace", CONFIGMAP, "kubernetes:core/v1:ConfigMap", "orders")))
    assert guard.check(update_only, "prod", approved=False).disruptions == ()
    plan = collect("dev", replace_events())
    assert not guard.check(plan, "dev", approved=False).blocked
    assert not guard.check(plan, "pr-4", approved=False).blocked
    approved = guard.check(collect("prod", replace_events()), "prod", approved=True)
    assert not approved.blocked and len(approved.disruptions) == 2


@pytest.mark.parametrize(("value", "approved"), [("true", True), ("1", True), ("YES", True),
                                                 ("false", False), ("", False), ("0", False)])
def test_approval_from_the_environment(value: str, approved: bool) -> None:
    assert guard.approved_by_env({guard.APPROVAL_ENV: value}) is approved
    assert guard.approved_by_env({}) is False


# -- durations, expiry, derived config --------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("7d", timedelta(days=7)), ("12h", timedelta(hours=12)), ("30m", timedelta(minutes=30)),
    ("2w", timedelta(weeks=2))])
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["7", "0d", "7 days", "-1d", "1y", ""])
def test_parse_duration_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration must be a number and a unit m, h, d or w"):
        parse_duration(text)


def test_a_duration_error_names_the_option() -> None:
    with pytest.raises(ValueError, match=r"^--since must be a number and a unit m, h, d or w, "
                       r"e\.g\. 7d \(got '1y'\)$"):
        parse_duration("1y", "--since")


def test_lifetime_expiry_and_age() -> None:
    lifetime = previews.Lifetime(created=NOW - timedelta(days=3), expires=NOW + timedelta(days=4))
    assert not lifetime.expired(NOW)
    assert lifetime.expired(NOW + timedelta(days=4))
    assert not lifetime.expired(NOW, older_than=timedelta(days=7))
    assert lifetime.expired(NOW, older_than=timedelta(days=3))


def test_lifetime_from_tags() -> None:
    tags = {previews.TAG_CREATED: "2026-11-23T12:00:00Z", previews.TAG_EXPIRES:
            "2026-11-30T12:00:00Z"}
    assert previews.Lifetime.from_tags(tags) == previews.Lifetime(NOW, NOW + timedelta(days=7))
    assert previews.Lifetime.from_tags({previews.TAG_CREATED: "2026-11-23T12:00:00Z"}) is None
    assert previews.Lifetime.from_tags({**tags, previews.TAG_EXPIRES: "soon"}) is None


def test_stack_name_refuses_a_non_pr_number() -> None:
    assert previews.stack_name(42) == "pr-42"
    with pytest.raises(ValueError, match=r"--pr must be a pull request number"):
        previews.stack_name(0)


BASE = {
    "slipway:environment": "dev",
    "slipway:namespace": "slipway-dev",
    "slipway:kubernetes": {"renderDir": "out/dev"},
    "slipway:revisionHistoryLimit": "3",
    "slipway:secretStore": {"name": "slipway-dev"},
    "slipway:secretValues": {"orders": {"DB_PASSWORD": {"secure": "v1:abc"}}},
    "kubernetes:token": {"secure": "v1:def"},
}


def test_derived_config_is_the_base_in_its_own_namespace_and_render_dir() -> None:
    lifetime = previews.Lifetime(NOW, NOW + timedelta(days=7))
    config = previews.derive_config(BASE, 42, lifetime)
    assert config == {
        "slipway:environment": "pr-42",
        "slipway:namespace": "pr-42",
        "slipway:kubernetes": {"renderDir": "out/pr-42"},
        "slipway:revisionHistoryLimit": "1",
        "slipway:secretStore": {"name": "slipway-dev"},
        "slipway:preview": {"pr": 42, "created": "2026-11-23T12:00:00Z",
                            "expires": "2026-11-30T12:00:00Z"},
    }
    settings = read_settings(config, "Pulumi.pr-42.yaml")
    assert settings.namespace_labels() == {"slipway.dev/pr": "42",
                                           "slipway.dev/expires": "2026-11-30"}
    assert BASE["slipway:environment"] == "dev"  # the base is not modified


def test_derived_config_keeps_a_cluster_context() -> None:
    base = {**BASE, "slipway:kubernetes": {"context": "kind-slipway"}}
    config = previews.derive_config(base, 7, previews.Lifetime(NOW, NOW + timedelta(days=1)))
    assert config["slipway:kubernetes"] == {"context": "kind-slipway"}


# -- the slipway:preview setting --------------------------------------------------------------


def settings(environment: str, preview: dict[str, Any]) -> StackSettings:
    return settings_from({"environment": environment,
                                "kubernetes": {"context": "kind"}, "preview": preview},
                               f"Pulumi.{environment}.yaml")


def test_preview_setting_must_match_the_stack_and_expire_after_creation() -> None:
    good = {"pr": 5, "created": "2026-11-23T12:00:00Z", "expires": "2026-11-30T12:00:00Z"}
    assert settings("pr-5", good).preview is not None
    with pytest.raises(SpecError) as wrong_stack:
        settings("prod", good)
    assert wrong_stack.value.problems == [
        "Pulumi.prod.yaml: slipway:preview: is only for the review stack of its pull request: "
        "environment must be pr-5 (got prod)"]
    with pytest.raises(SpecError) as backwards:
        settings("pr-5", {**good, "expires": "2026-11-22T12:00:00Z"})
    assert backwards.value.problems == [
        "Pulumi.pr-5.yaml: slipway:preview.expires: must be after created "
        "(got 2026-11-22T12:00:00+00:00 <= 2026-11-23T12:00:00+00:00)"]
    with pytest.raises(SpecError, match=r"slipway:preview\.pr"):
        settings("pr-5", {**good, "pr": 0})


def test_no_preview_setting_means_no_extra_namespace_labels() -> None:
    plain = settings_from({"environment": "dev", "kubernetes": {"context": "kind"}},
                                "Pulumi.dev.yaml")
    assert plain.namespace_labels() == {}


# -- command-line usage (refused before any engine call) --------------------------------------


@pytest.mark.parametrize(("args", "message"), [
    (["preview", "--up"], "--up and --destroy work on review stacks: give --pr N"),
    (["preview", "--pr", "3", "--stack", "dev"], "give --pr N (the review stack pr-N) or --stack"),
    (["preview", "--pr", "3", "--up", "--destroy"], "give --up or --destroy, not both"),
    (["preview", "--pr", "0"], "--pr must be a pull request number from 1 to 9999999 (got 0)"),
    (["preview", "--pr", "3", "--ttl", "soon"], "--ttl must be a number and a unit"),
    (["previews", "gc", "--older-than", "7"], "--older-than must be a number and a unit"),
])
def test_cli_refuses_bad_usage_with_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [*args, "--project-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())


def test_summary_fits_in_a_github_comment() -> None:
    steps = tuple(Step("create", f"{CONFIGMAP}-{i:05d}", "kubernetes:core/v1:ConfigMap", "orders")
                  for i in range(3000))
    text = summary.render(Plan(stack="pr-9", steps=steps, policy_pack="pack"))
    assert len(text) <= summary.MAX_CHARS + 200
    assert text.startswith("<!-- slipway-preview:pr-9 -->\n")
    assert text.rstrip().endswith("run `slipway preview` for the full plan._")
    assert "**3000 to create**" in text
