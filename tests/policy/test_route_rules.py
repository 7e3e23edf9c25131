"""slipway-k8s-route-weights: HTTPRoute and Istio VirtualService traffic splits."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import pytest
from pulumi_policy import PolicyResource, StackValidationArgs

from policy_fixtures import OPTIONS
from rules import config as pack_config
from rules.k8s import UNKNOWN_SENTINELS
from rules.pack import STACK_RULES, build_policies
from rules.routes import HTTPROUTE_TYPE, RULE, check_route_weights

UNKNOWN = next(iter(UNKNOWN_SENTINELS))
TODAY = date(2026, 11, 23)
SERVICE_TYPE = "kubernetes:core/v1:Service"
VS_V1 = "kubernetes:networking.istio.io/v1:VirtualService"
VS_V1BETA1 = "kubernetes:networking.istio.io/v1beta1:VirtualService"


def resource(type_: str, props: dict[str, Any]) -> PolicyResource:
    name = props["metadata"]["name"]
    urn = f"urn:pulumi:dev::slipway::{type_}::{name}"
    return PolicyResource(type_, props, urn, name, OPTIONS, None, None, [], {})


def service(name: str, namespace: str = "shop") -> PolicyResource:
    return resource(SERVICE_TYPE, {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace},
        "spec": {"selector": {"app": name}, "ports": [{"port": 80}]}})


def ref(name: str, weight: Any = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "port": 80, **extra}
    if weight is not None:
        out["weight"] = weight
    return out


def httproute(*rules: list[dict[str, Any]], annotations: dict[str, str] | None = None
              ) -> PolicyResource:
    metadata: dict[str, Any] = {"name": "orders", "namespace": "shop"}
    if annotations:
        metadata["annotations"] = annotations
    return resource(HTTPROUTE_TYPE, {
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": metadata,
        "spec": {"parentRefs": [{"name": "gateway", "namespace": "gateway"}],
                 "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                            "backendRefs": refs} for refs in rules]}})


def dest(host: str, weight: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"destination": {"host": host, "port": {"number": 80}}}
    if weight is not None:
        out["weight"] = weight
    return out


def virtual_service(*routes: list[dict[str, Any]], type_: str = VS_V1) -> PolicyResource:
    return resource(type_, {
        "apiVersion": type_.split(":")[1], "kind": "VirtualService",
        "metadata": {"name": "orders", "namespace": "shop"},
        "spec": {"hosts": ["orders.example.com"], "http": [{"route": r} for r in routes]}})


SPLIT = [ref("orders", 90), ref("orders-canary", 10)]
URN = f"urn:pulumi:dev::slipway::{HTTPROUTE_TYPE}::orders"


# --- HTTPRoute ------------------------------------------------------------------------------

def test_compliant_split_passes_in_any_creation_order() -> None:
    stack = [httproute(SPLIT, [ref("orders")]), service("orders"), service("orders-canary")]
    for order in itertools.permutations(stack):
        assert check_route_weights(list(order), {}) == []


def test_fails_when_weights_do_not_add_up_to_100_in_any_order() -> None:
    stack = [httproute([ref("orders", 50), ref("orders-canary", 30)]),
             service("orders"), service("orders-canary")]
    for order in itertools.permutations(stack):
        out = check_route_weights(list(order), {})
        assert out == [
            "HTTPRoute 'shop/orders': the weights of rule spec.rules[0] "
            "(spec.rules[0].backendRefs[*].weight: 'orders' 50, 'orders-canary' 30) add up to "
            "80, not 100. Change them so they add up to 100."
        ]
        assert out.urn(0) == URN


def test_fails_when_a_weight_is_missing_with_two_backends() -> None:
    stack = [httproute([ref("orders")], [ref("orders", 100), ref("orders-canary")]),
             service("orders"), service("orders-canary")]
    assert check_route_weights(stack, {}) == [
        "HTTPRoute 'shop/orders': rule spec.rules[1] has 2 backends but no weight on "
        "spec.rules[1].backendRefs[1].weight ('orders-canary'); Kubernetes reads a missing "
        "weight as 1. Give every backend of the rule an explicit weight, the weights adding up "
        "to 100."
    ]


def test_fails_for_weights_that_are_not_integers() -> None:
    stack = [httproute([ref("orders", "90"), ref("orders-canary", 10)]),
             service("orders"), service("orders-canary")]
    assert check_route_weights(stack, {}) == [
        "HTTPRoute 'shop/orders': rule spec.rules[0] has weights that are not whole numbers "
        "from 0 to 100: spec.rules[0].backendRefs[0].weight ('90'). Set each weight to an "
        "integer, the weights adding up to 100."
    ]


def test_fails_when_backend_service_is_missing_in_any_order() -> None:
    stack = [httproute(SPLIT), service("orders"), service("orders-canary", namespace="other")]
    for order in itertools.permutations(stack):
        out = check_route_weights(list(order), {})
        assert out == [
            "HTTPRoute 'shop/orders': rule spec.rules[0] sends traffic to Service "
            "'shop/orders-canary' (spec.rules[0].backendRefs[1].name), which is not in this "
            "stack. Point name at a Service of the stack in namespace 'shop', or add that "
            "Service."
        ]
        assert out.urn(0) == URN


def test_backend_namespace_and_kind_are_honoured() -> None:
    other_ns = [ref("orders", 90), ref("orders-canary", 10, namespace="canary")]
    assert check_route_weights(
        [httproute(other_ns), service("orders"), service("orders-canary", "canary")], {}) == []
    not_a_service = [ref("orders", 90),
                     ref("bucket", 10, group="storage.example.com", kind="Bucket")]
    assert check_route_weights([httproute(not_a_service), service("orders")], {}) == []
    explicit = [ref("orders", 90, kind="Service", group=""), ref("ghost", 10, kind="Service")]
    assert len(check_route_weights([httproute(explicit), service("orders")], {})) == 1


def test_unknown_values_defer_instead_of_passing_or_failing() -> None:
    stack = [httproute([ref("orders", UNKNOWN), ref("orders-canary", 10)]),
             service("orders"), service("orders-canary")]
    out = check_route_weights(stack, {})
    assert out == []
    assert out.unknown == ["HTTPRoute 'shop/orders': spec.rules[0].backendRefs[0].weight"]
    stack = [httproute([ref(UNKNOWN, 90), ref("orders-canary", 10)]), service("orders-canary")]
    out = check_route_weights(stack, {})
    assert out == []
    assert out.unknown == ["HTTPRoute 'shop/orders': spec.rules[0].backendRefs[0].name"]
    # A Service whose name is unknown might be the missing one: checked at update.
    unnamed = resource(SERVICE_TYPE, {"kind": "Service",
                                      "metadata": {"name": UNKNOWN, "namespace": "shop"}})
    out = check_route_weights([httproute(SPLIT), service("orders"), unnamed], {})
    assert out == []
    assert out.unknown == ["HTTPRoute 'shop/orders': metadata.name of a Service it routes to"]
    # What is known is still reported.
    out = check_route_weights([httproute([ref("orders", 50), ref("ghost", 30)]),
                               service("orders"), unnamed], {})
    assert len(out) == 1 and "add up to 80" in out[0]


def test_exempt_route_is_skipped() -> None:
    bad = [ref("orders", 50), ref("ghost", 30)]
    exemption = {f"slipway.dev/exempt.{RULE}": '{"reason": "migration, SEC-9", '
                                               '"expires": "2026-12-31"}'}
    assert check_route_weights([httproute(bad, annotations=exemption)], {}, TODAY) == []
    assert len(check_route_weights([httproute(bad), service("orders")], {}, TODAY)) == 2


# --- Istio VirtualService -------------------------------------------------------------------

@pytest.mark.parametrize("type_", [VS_V1, VS_V1BETA1])
def test_virtual_service_compliant_split_passes_in_any_order(type_: str) -> None:
    split = [dest("orders", 80), dest("orders-canary.shop.svc.cluster.local", 20)]
    stack = [virtual_service(split, [dest("orders")], [dest("api.example.com")], type_=type_),
             service("orders"), service("orders-canary")]
    for order in itertools.permutations(stack):
        assert check_route_weights(list(order), {}) == []


def test_virtual_service_weights_not_100_or_missing() -> None:
    stack = [virtual_service([dest("orders", 50), dest("orders-canary", 30)],
                             [dest("orders", 100), dest("orders-canary")]),
             service("orders"), service("orders-canary")]
    assert check_route_weights(stack, {}) == [
        "VirtualService 'shop/orders': the weights of rule spec.http[0] "
        "(spec.http[0].route[*].weight: 'orders' 50, 'orders-canary' 30) add up to 80, not 100. "
        "Change them so they add up to 100.",
        "VirtualService 'shop/orders': rule spec.http[1] has 2 backends but no weight on "
        "spec.http[1].route[1].weight ('orders-canary'); Istio needs a weight on every "
        "destination. Give every backend of the rule an explicit weight, the weights adding up "
        "to 100.",
    ]


def test_virtual_service_destination_service_missing() -> None:
    split = [dest("orders", 90), dest("orders-canary.other.svc.cluster.local", 10)]
    stack = [virtual_service(split), service("orders"), service("orders-canary")]
    for order in itertools.permutations(stack):
        assert check_route_weights(list(order), {}) == [
            "VirtualService 'shop/orders': rule spec.http[0] sends traffic to Service "
            "'other/orders-canary' (spec.http[0].route[1].destination.host), which is not in "
            "this stack. Point destination.host at a Service of the stack in namespace 'other', "
            "or add that Service."
        ]


# --- registration and config ----------------------------------------------------------------

def test_rule_is_registered_advisory_in_dev_mandatory_in_prod() -> None:
    assert RULE in {r.name for r in STACK_RULES}
    assert pack_config.rule_config(pack_config.load("dev"), RULE)[0] == "advisory"
    assert pack_config.rule_config(pack_config.load("prod"), RULE)[0] == "mandatory"


def test_disabled_by_config_or_refusing_unknown_settings() -> None:
    # The engine never runs a rule whose enforcementLevel is "disabled"; the rule itself
    # ignores the level, and a misspelt setting is reported as a violation, not ignored.
    disabled = {"enforcementLevel": "disabled"}
    assert pack_config.rule_config({RULE: disabled}, RULE) == ("disabled", {})
    policy: Any = next(p for p in build_policies() if p.name == RULE)
    bad = [httproute([ref("orders", 50), ref("ghost", 30)]), service("orders")]
    reported: list[tuple[str, str | None]] = []
    policy.validate(StackValidationArgs(bad, {"weigths": 1}),
                    lambda message, urn=None: reported.append((message, urn)))
    assert reported == [("policy config for slipway-k8s-route-weights has an unknown setting "
                         "'weigths'; known settings: none.", None)]
    reported.clear()
    policy.validate(StackValidationArgs(bad, {}),
                    lambda message, urn=None: reported.append((message, urn)))
    assert [u for _, u in reported] == [URN, URN]
