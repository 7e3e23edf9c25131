"""The pull-request summary leads with the PR's effect on the long-lived stacks (pure parts)."""

from __future__ import annotations

from microservice_fixtures import IMAGE, spec
from slipway.release_state import FailedRelease, ReleaseRef, ReleaseState
from slipway.tooling.plan import Plan, Step, Violation
from slipway.tooling.pr_effect import StackEffect, VersionChange, render, version_changes

OLD = ReleaseRef(version="1.2.0", image="registry.example.com/team/api@sha256:" + "a" * 64)
ORDERS = spec(name="orders", version="9.9.9", release={"strategy": "canary"})
API = spec()  # rolling, 1.2.3


def test_each_version_change_names_the_strategy_that_delivers_it() -> None:
    found = version_changes({"orders": ORDERS, "api": API},
                            {"orders": ReleaseState(stable=OLD),
                             "api": ReleaseState(stable=ReleaseRef(version="1.2.3",
                                                                   image=IMAGE))},
                            gated_by="dev")
    assert found == [VersionChange("orders", "canary", "1.2.0", "9.9.9",
                                   "canary 1%, 5%, 25%, 100%, each step judged against the "
                                   "SLO (after dev verified it)")]


def test_new_services_and_versions_rolled_back_before_are_named() -> None:
    failed = ReleaseState(stable=OLD, failed=[FailedRelease(version="9.9.9",
                                                            image=ORDERS.image)])
    found = version_changes({"orders": ORDERS, "api": API}, {"orders": failed})
    assert [(v.service, v.from_version, v.how) for v in found] == [
        ("api", None, "new service, created at this version"),
        ("orders", "1.2.0", "not released: this version was rolled back before")]


def test_summary_leads_with_long_lived_stacks_and_collapses_the_review_stack() -> None:
    urn = "urn:pulumi:dev::slipway::x$kubernetes:apps/v1:Deployment::orders"
    plan = Plan(stack="dev", steps=(Step(
        op="replace", urn=urn, type="kubernetes:apps/v1:Deployment", service="orders",
        keys=("spec.selector",)),), violations=(Violation(
            rule="slipway-k8s-workload-probes", level="advisory", message="no readiness probe",
            urn=urn, service="orders"),), policy_pack="policy/")
    effects = [StackEffect("dev", [VersionChange("orders", "canary", "1.8.3", "9.9.9",
                                                 "canary 1%, 100%")], plan),
               StackEffect("prod", error="no AWS plugin")]
    text = render(effects, 42, "<!-- slipway-preview:pr-42 -->\n### Preview\n76 create\n",
                  "Review stack <code>pr-42</code>: 76 create")
    lines = text.splitlines()
    assert lines[1] == "## What pull request #42 changes where it runs"
    assert "| orders | 1.8.3 -> 9.9.9 | canary 1%, 100% |" in lines
    assert "**1 replacement(s):** orders: Deployment `orders`" in text
    assert ("- advisory `slipway-k8s-workload-probes`: Deployment orders: no readiness probe"
            in lines)
    assert "`prod`: no AWS plugin" in text
    # The review stack comes last, folded.
    assert text.index("<details>") > text.index("### `prod`")
    assert "<summary>Review stack <code>pr-42</code>: 76 create</summary>" in lines
    assert text.count("<!-- slipway-preview") == 1
