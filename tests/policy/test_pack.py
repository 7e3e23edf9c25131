"""Exemptions, config files and tuning, and the wrappers the engine calls."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from pulumi_policy import (
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from policy_fixtures import OPTIONS, deployment, hpa, res
from rules import config as pack_config
from rules.config import ConfigError, settings
from rules.exemptions import RULE as EXEMPTIONS
from rules.exemptions import check_exemptions, is_exempt
from rules.groups import GROUPED, GROUPS
from rules.k8s import UNKNOWN_SENTINELS, plain
from rules.pack import RESOURCE_RULES, RULE_NAMES, STACK_RULES, build_policies

TODAY = date(2026, 11, 23)
PROBES = "slipway-k8s-workload-probes"
KEY = f"slipway.dev/exempt.{PROBES}"
UNKNOWN = next(iter(UNKNOWN_SENTINELS))


def exempted(value: str) -> dict[str, Any]:
    d = deployment()
    d["metadata"]["annotations"] = {KEY: value}
    return d


# --- exemptions -----------------------------------------------------------------------------

def test_valid_exemption_exempts_through_its_expiry_date() -> None:
    d = exempted('{"reason": "vendor image, SEC-1", "expires": "2026-11-23"}')
    assert is_exempt(d, PROBES, TODAY)
    assert not is_exempt(d, PROBES, date(2026, 11, 24))
    assert not is_exempt(d, "slipway-k8s-workload-resources", TODAY)
    assert check_exemptions(d, {}, RULE_NAMES, TODAY) == []


def test_expired_exemption_is_a_violation_and_exempts_nothing() -> None:
    d = exempted('{"reason": "vendor image", "expires": "2026-11-01"}')
    assert not is_exempt(d, PROBES, TODAY)
    assert check_exemptions(d, {}, RULE_NAMES, TODAY) == [
        f"Deployment 'shop/orders': exemption metadata.annotations['{KEY}'] expired on "
        f"2026-11-01, so '{PROBES}' applies again. Fix the resource, or renew the exemption with "
        "a new expiry date and reason."
    ]


@pytest.mark.parametrize(
    ("value", "problem"),
    [('{"expires": "2026-12-01"}', "gives no reason"),
     ('{"reason": "  ", "expires": "2026-12-01"}', "gives no reason"),
     ('{"reason": "x"}', "has no valid expiry date (got null)"),
     ('{"reason": "x", "expires": "next week"}', 'has no valid expiry date (got "next week")'),
     ("vendor image", "is not JSON"),
     ('["x"]', "is not a JSON object")],
)
def test_reasonless_or_malformed_exemption_is_a_violation(value: str, problem: str) -> None:
    d = exempted(value)
    assert not is_exempt(d, PROBES, TODAY)
    assert check_exemptions(d, {}, RULE_NAMES, TODAY) == [
        f"Deployment 'shop/orders': exemption metadata.annotations['{KEY}'] {problem}, so it "
        'exempts nothing. Set it to {"reason": "<why>", "expires": "<YYYY-MM-DD>"} or remove it.'
    ]


def test_exemption_naming_no_rule_or_too_far_ahead() -> None:
    d = deployment()
    d["metadata"]["annotations"] = {
        "slipway.dev/exempt.no-such-rule": '{"reason": "x", "expires": "2026-12-01"}'}
    assert check_exemptions(d, {}, RULE_NAMES, TODAY) == [
        "Deployment 'shop/orders': metadata.annotations['slipway.dev/exempt.no-such-rule'] "
        "exempts from 'no-such-rule', which is not a rule of this pack. Use one of the pack's "
        "rule names or remove the annotation."
    ]
    far = exempted('{"reason": "x", "expires": "2027-05-01"}')
    assert check_exemptions(far, {"maxDays": 30}, RULE_NAMES, TODAY) == [
        f"Deployment 'shop/orders': exemption metadata.annotations['{KEY}'] expires on "
        "2027-05-01, more than 30 days ahead, so it exempts nothing. Choose an expiry date "
        "within 30 days."
    ]
    assert check_exemptions(far, {}, RULE_NAMES, TODAY) == []


def test_exemption_further_ahead_than_max_days_does_not_exempt() -> None:
    far = exempted('{"reason": "x", "expires": "2027-05-01"}')  # 159 days after TODAY
    assert is_exempt(far, PROBES, TODAY, max_days=180)
    assert not is_exempt(far, PROBES, TODAY, max_days=158)
    assert is_exempt(far, PROBES, TODAY, max_days=159)


def test_exemption_naming_a_group_exempts_nothing_and_says_to_name_the_rule() -> None:
    d = deployment()
    d["metadata"]["annotations"] = {
        "slipway.dev/exempt.slipway-k8s-workload-pod-security":
            '{"reason": "x", "expires": "2026-12-01"}'}
    out = check_exemptions(d, {}, RULE_NAMES, TODAY)
    assert len(out) == 1
    assert "names the group 'slipway-k8s-workload-pod-security'" in out[0]
    assert not is_exempt(d, "slipway-k8s-workload-privileged", TODAY)


# --- config ---------------------------------------------------------------------------------

def test_settings_refuse_unknown_and_mistyped_keys() -> None:
    defaults = {"requireCpuLimit": False, "minReplicas": 2}
    assert settings("r", {"minReplicas": 3, "enforcementLevel": "mandatory"}, defaults) == {
        "requireCpuLimit": False, "minReplicas": 3}
    with pytest.raises(ConfigError, match="unknown setting 'requireCPULimit'; known settings: "
                                          "minReplicas, requireCpuLimit"):
        settings("r", {"requireCPULimit": True}, defaults)
    with pytest.raises(ConfigError, match="setting 'minReplicas' must be a integer, got true"):
        settings("r", {"minReplicas": True}, defaults)


@pytest.mark.parametrize(("env", "level"), [("dev", "advisory"), ("prod", "mandatory")])
def test_config_files_cover_every_rule_with_valid_settings(env: str, level: str) -> None:
    document = pack_config.load(env)
    # Every rule is listed, or set through its group (the pod-security rules).
    assert set(document) - set(GROUPS) | GROUPED >= RULE_NAMES
    assert set(document) <= RULE_NAMES | set(GROUPS)
    defaults = {r.name: r.defaults for r in RESOURCE_RULES}
    defaults |= {r.name: r.defaults for r in STACK_RULES}
    levels = set()
    for name in document:
        rule_level, rule_settings = pack_config.rule_config(document, name)
        levels.add(rule_level)
        if name in GROUPS:
            assert rule_settings == {}, "a group key carries only an enforcement level"
        else:
            settings(name, rule_settings, defaults[name])  # raises on a bad setting
    assert levels <= {level, "disabled"}


def test_prod_trusts_no_key_of_its_own_and_dev_keeps_the_example_key() -> None:
    signature = "slipway-k8s-workload-image-signature"
    _, prod = pack_config.rule_config(pack_config.load("prod"), signature)
    _, dev = pack_config.rule_config(pack_config.load("dev"), signature)
    assert prod["publicKeys"] == {}
    assert prod["publicKeyFiles"] == ["${SLIPWAY_TRUSTED_KEYS}"]
    assert set(dev["publicKeys"]) == {"slipway-example"}


def test_prod_only_rules_are_disabled_in_dev_and_mandatory_in_prod() -> None:
    for name in ("slipway-k8s-stack-freeze-window", "slipway-k8s-workload-prod-replicas",
                 "slipway-k8s-workload-prod-zone-spread"):
        assert pack_config.rule_config(pack_config.load("dev"), name)[0] == "disabled"
        assert pack_config.rule_config(pack_config.load("prod"), name)[0] == "mandatory"


def test_config_files_are_plain_json_objects() -> None:
    for env in ("dev", "prod"):
        text = (pack_config.CONFIG_DIR / f"{env}.json").read_text()
        assert isinstance(json.loads(text), dict)


# --- wrappers -------------------------------------------------------------------------------

def policy(name: str) -> Any:
    return next(p for p in build_policies() if p.name == name)


def resource_args(props: dict[str, Any], config: dict[str, Any] | None = None,
                  type_: str = "kubernetes:apps/v1:Deployment") -> ResourceValidationArgs:
    return ResourceValidationArgs(type_, unknown_checking_proxy(props), "urn:x", "orders",
                                  OPTIONS, None, config)


def run(name: str, args: Any) -> list[tuple[str, str | None]]:
    reported: list[tuple[str, str | None]] = []
    policy(name).validate(args, lambda message, urn=None: reported.append((message, urn)))
    return reported


def test_pack_builds_one_policy_per_rule_with_metadata() -> None:
    built = build_policies()
    assert {p.name for p in built} == RULE_NAMES
    assert len(built) == len(RULE_NAMES)
    for p in built:
        assert p.name.startswith("slipway-k8s-")
        assert p.description.endswith(".") and p.description[0].isupper()
        assert p.severity is not None
        assert isinstance(p, ResourceValidationPolicy | StackValidationPolicy)


def test_wrapper_reports_violations_from_proxied_props() -> None:
    d = deployment()
    del d["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
    reported = run(PROBES, resource_args(d))
    assert [m for m, _ in reported] == [
        "Deployment 'shop/orders': container 'app' has no readiness probe "
        "(spec.template.spec.containers[0].readinessProbe). Add a readinessProbe (httpGet, "
        "tcpSocket, grpc or exec) so Kubernetes can hold traffic until it is ready."
    ]


def in_days(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def test_wrapper_skips_other_resource_types_and_exempt_resources() -> None:
    d = deployment()
    del d["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
    assert run(PROBES, resource_args(d, type_="kubernetes:core/v1:ConfigMap")) == []
    d["metadata"]["annotations"] = {KEY: f'{{"reason": "legacy", "expires": "{in_days(30)}"}}'}
    assert run(PROBES, resource_args(d)) == []
    d["metadata"]["annotations"] = {KEY: '{"reason": "legacy", "expires": "2000-01-01"}'}
    assert len(run(PROBES, resource_args(d))) == 1


def test_wrapper_honours_the_exemption_rules_max_days_for_every_rule() -> None:
    d = deployment()
    del d["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
    d["metadata"]["annotations"] = {KEY: f'{{"reason": "legacy", "expires": "{in_days(100)}"}}'}
    try:
        # The pack runs the exemption rule first on each resource; its maxDays then holds.
        assert build_policies()[0].name == EXEMPTIONS
        assert len(run(EXEMPTIONS, resource_args(d, {"maxDays": 30}))) == 1
        assert len(run(PROBES, resource_args(d))) == 1  # 100 days > 30: not exempt
        assert run(EXEMPTIONS, resource_args(d, {"maxDays": 180})) == []
        assert run(PROBES, resource_args(d)) == []
    finally:
        run(EXEMPTIONS, resource_args(deployment(), None))  # back to the default


def test_wrapper_reports_known_violations_then_defers_unknown_values() -> None:
    d = deployment()
    container = d["spec"]["template"]["spec"]["containers"][0]
    container["image"] = UNKNOWN
    del container["resources"]["requests"]["cpu"]
    reported = run("slipway-k8s-workload-resources", resource_args(d))
    assert len(reported) == 1
    reported = []
    with pytest.raises(UnknownValueError) as raised:
        policy("slipway-k8s-workload-image-digest").validate(
            resource_args(d), lambda m, u=None: reported.append((m, u)))
    assert reported == []
    assert raised.value.message == (
        "Deployment 'shop/orders': spec.template.spec.containers[0].image unknown until update; "
        "slipway-k8s-workload-image-digest checks it then"
    )


def test_unknown_note_names_the_resource_by_urn_when_its_name_is_unknown() -> None:
    d = deployment()
    d["metadata"]["name"] = UNKNOWN
    d["spec"]["template"]["spec"]["containers"][0]["image"] = UNKNOWN
    with pytest.raises(UnknownValueError) as raised:
        policy("slipway-k8s-workload-image-digest").validate(resource_args(d), lambda *a: None)
    assert raised.value.message.startswith(
        "Deployment 'shop/(name unknown until update)' (urn:x): "
        "spec.template.spec.containers[0].image unknown until update")


def test_unknown_note_of_a_stack_rule_names_each_resource() -> None:
    d = deployment(replicas=3)
    d["spec"]["template"]["metadata"]["labels"] = {"app.kubernetes.io/name": UNKNOWN}
    args = StackValidationArgs([res(d)], {})
    with pytest.raises(UnknownValueError) as raised:
        policy("slipway-k8s-workload-network-policy").validate(args, lambda *a: None)
    assert raised.value.message == (
        "Deployment 'shop/orders': spec.template.metadata.labels unknown until update; "
        "slipway-k8s-workload-network-policy checks it then")


def test_wrapper_reports_config_errors_as_violations() -> None:
    reported = run("slipway-k8s-workload-image-registry", resource_args(deployment(), {}))
    assert reported == [(
        "policy config for slipway-k8s-workload-image-registry: 'trustedRegistries' must list "
        'at least one registry (e.g. "registry.example.com" or "registry.example.com/shop").',
        None)]


def test_stack_wrapper_reports_with_urns() -> None:
    args = StackValidationArgs([res(deployment(replicas=2)), res(hpa())], {})
    assert run("slipway-k8s-hpa-target", args) == [(
        "Deployment 'shop/orders' sets spec.replicas (2) while HorizontalPodAutoscaler "
        "'shop/orders-hpa' scales it, so every update resets the autoscaler's replica count. "
        "Remove spec.replicas from the Deployment.",
        "urn:pulumi:dev::slipway::kubernetes:apps/v1:Deployment::orders")]


def test_exemptions_rule_runs_on_any_kubernetes_resource() -> None:
    cm = {"kind": "ConfigMap", "metadata": {"name": "c", "annotations": {
        f"slipway.dev/exempt.{PROBES}": '{"expires": "2999-01-01"}'}}}
    reported = run(EXEMPTIONS, resource_args(cm, type_="kubernetes:core/v1:ConfigMap"))
    assert [m for m, _ in reported] == [
        f"ConfigMap 'c': exemption metadata.annotations['{KEY}'] gives no reason, so it exempts "
        'nothing. Set it to {"reason": "<why>", "expires": "<YYYY-MM-DD>"} or remove it.'
    ]
    assert run(EXEMPTIONS, resource_args(cm, type_="aws:s3/bucket:Bucket")) == []


def test_engine_numbers_arrive_as_floats_and_are_read_as_integers() -> None:
    # The engine passes props and config through a protobuf Struct: every number is a float.
    assert plain({"a": [1.0, 2.5, True], "b": 180.0}) == {"a": [1, 2.5, True], "b": 180}
    assert settings("r", {"maxDays": 180.0}, {"maxDays": 180}) == {"maxDays": 180}
    with pytest.raises(ConfigError, match=r"must be a integer, got 1\.5"):
        settings("r", {"maxDays": 1.5}, {"maxDays": 180})
    d = exempted('{"reason": "x", "expires": "2999-01-01"}')
    assert run(EXEMPTIONS, resource_args(d, {"maxDays": 180.0})) == [(
        f"Deployment 'shop/orders': exemption metadata.annotations['{KEY}'] expires on "
        f"2999-01-01, more than 180 days ahead, so it exempts nothing. Choose an expiry date "
        f"within 180 days.", None)]
    pdb = {"kind": "PodDisruptionBudget", "metadata": {"name": "orders", "namespace": "shop"},
           "spec": {"maxUnavailable": 1.0,
                    "selector": {"matchLabels": {"app.kubernetes.io/name": "orders"}}}}
    args = StackValidationArgs([res(deployment(replicas=3.0)), res(pdb)], {})
    assert run("slipway-k8s-workload-disruption-budget", args) == []
