"""rules.analyzer through pulumi-policy's real servicer and gRPC messages, as the engine uses it:
GetAnalyzerInfo, then Configure with the reconciled config, then GetAnalyzerInfo and Analyze.

The engine reconciles the config file with the levels the pack reports before it is
configured (resource/analyzer/config.go: defaults, then `all`, then each key of the file);
``engine_config`` does the same, so these tests see what the engine would send."""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf import struct_pb2  # type: ignore[import-untyped]
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel

from policy_fixtures import ctx, workload
from rules.analyzer import SlipwayAnalyzer
from rules.groups import GROUPED, POD_SECURITY, GroupError, resolve
from rules.pack import PACK_NAME, build_policies

NUMBER = {"advisory": analyzer_pb2.ADVISORY, "mandatory": analyzer_pb2.MANDATORY,
          "remediate": analyzer_pb2.REMEDIATE, "disabled": analyzer_pb2.DISABLED}
NAME = {v: k for k, v in NUMBER.items()}
PRIVILEGED = "slipway-k8s-workload-privileged"
READ_ONLY = "slipway-k8s-workload-read-only-root-filesystem"
APPARMOR = "slipway-k8s-workload-apparmor"
PROBES = "slipway-k8s-workload-probes"


def analyzer() -> Any:
    return SlipwayAnalyzer(PACK_NAME, "0.1.0", build_policies(), EnforcementLevel.ADVISORY)


def levels(server: Any) -> dict[str, str]:
    return {p.name: NAME[p.enforcementLevel] for p in server.GetAnalyzerInfo(None, None).policies}


def engine_config(server: Any, document: dict[str, str]) -> Any:
    """What the engine sends to Configure for a config file ``document`` (name -> level)."""
    reconciled = levels(server)
    if "all" in document:
        reconciled = dict.fromkeys(reconciled, document["all"])
    reconciled.update({k: v for k, v in document.items() if k != "all"})
    return analyzer_pb2.ConfigureAnalyzerRequest(policyConfig={
        name: analyzer_pb2.PolicyConfig(enforcementLevel=NUMBER[level])
        for name, level in reconciled.items()})


def configure(document: dict[str, str]) -> Any:
    server = analyzer()
    server.Configure(engine_config(server, document), None)
    return server


def test_before_configure_grouped_rules_report_the_not_set_marker() -> None:
    reported = levels(analyzer())
    assert {n for n, level in reported.items() if level == "remediate"} == GROUPED
    assert reported[PROBES] == "advisory"


def test_a_disabled_rule_is_reported_disabled_to_the_engine_after_configure() -> None:
    server = configure({PROBES: "disabled", READ_ONLY: "disabled"})
    reported = levels(server)
    assert reported[PROBES] == "disabled"
    assert reported[READ_ONLY] == "disabled"
    assert reported[PRIVILEGED] == "advisory"  # grouped, not set: the pack default
    assert "remediate" not in reported.values()


def test_the_group_key_sets_every_pod_security_rule_and_a_rules_own_entry_wins() -> None:
    server = configure({POD_SECURITY: "mandatory", READ_ONLY: "advisory", APPARMOR: "disabled"})
    reported = levels(server)
    assert {reported[n] for n in GROUPED - {READ_ONLY, APPARMOR}} == {"mandatory"}
    assert reported[READ_ONLY] == "advisory"
    assert reported[APPARMOR] == "disabled"
    assert reported[PROBES] == "advisory"


def test_profile_groups_win_over_the_whole_group_and_all_wins_over_groups() -> None:
    assert resolve({POD_SECURITY: "advisory", f"{POD_SECURITY}-baseline": "mandatory",
                    PRIVILEGED: "remediate", READ_ONLY: "remediate"}
                   )[PRIVILEGED] == "mandatory"
    assert resolve({POD_SECURITY: "advisory", PRIVILEGED: "remediate"})[READ_ONLY] == "advisory"
    reported = levels(configure({"all": "disabled", POD_SECURITY: "mandatory"}))
    assert set(reported.values()) == {"disabled"}


def test_analyze_reports_each_rule_at_its_configured_level() -> None:
    server = configure({POD_SECURITY: "mandatory", READ_ONLY: "advisory",
                        "slipway-k8s-workload-run-as-non-root": "disabled"})
    bad = workload("Deployment")
    ctx(bad).update(privileged=True, readOnlyRootFilesystem=False, runAsNonRoot=False)
    properties = struct_pb2.Struct()
    properties.update(bad)
    response = server.Analyze(analyzer_pb2.AnalyzeRequest(
        type="kubernetes:apps/v1:Deployment", properties=properties,
        urn="urn:pulumi:dev::p::kubernetes:apps/v1:Deployment::orders", name="orders"), None)
    found = {d.policyName: NAME[d.enforcementLevel] for d in response.diagnostics
             if d.policyName in GROUPED}
    assert found == {PRIVILEGED: "mandatory", READ_ONLY: "advisory"}


def test_a_group_key_cannot_disable_rules_the_engine_would_then_list_as_passed() -> None:
    server = analyzer()
    with pytest.raises(GroupError) as raised:
        server.Configure(engine_config(server, {POD_SECURITY: "disabled"}), None)
    assert str(raised.value).startswith(
        "policy config: 'slipway-k8s-workload-pod-security' is set to disabled, but a group key "
        "can only set advisory or mandatory. Disable each rule by its own name")
