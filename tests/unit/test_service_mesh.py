"""Per-service mesh resources under mocks, and the pure retry/timeout builder."""

from __future__ import annotations

from pathlib import Path

import pytest

from microservice_fixtures import COMPONENT, NETWORK_POLICY, render, spec
from slipway import Environment, PeerSelector, SpecError
from slipway.service_mesh import destination_rule_spec, http_resilience, seconds
from slipway.spec.loader import load_file
from slipway.spec.mesh import MeshPolicy

DESTINATION_RULE = "kubernetes:networking.istio.io/v1:DestinationRule"
AUTHORIZATION_POLICY = "kubernetes:security.istio.io/v1:AuthorizationPolicy"
MESH = Environment(name="prod", namespace="shop", mesh=True, observability=False,
                   gateway=PeerSelector("istio-ingress", {"istio": "ingressgateway"}))


def test_mesh_off_creates_no_istio_resources() -> None:
    registry = render(spec(), environment=Environment(name="prod", namespace="shop",
                                                     observability=False))
    assert not registry.of_type(DESTINATION_RULE)
    assert not registry.of_type(AUTHORIZATION_POLICY)
    assert [r.k8s_name for r in registry.of_type(NETWORK_POLICY)] == ["api"]


def test_destination_rule_defaults_are_a_circuit_breaker_over_mtls() -> None:
    rule = render(spec(), environment=MESH).one(DESTINATION_RULE, "api")
    assert rule.spec == {
        "host": "api.shop.svc.cluster.local",
        "trafficPolicy": {
            "tls": {"mode": "ISTIO_MUTUAL"},
            "connectionPool": {"tcp": {"maxConnections": 100},
                               "http": {"http1MaxPendingRequests": 100,
                                        "http2MaxRequests": 1000}},
            "outlierDetection": {"consecutive5xxErrors": 5, "interval": "10s",
                                 "baseEjectionTime": "30s", "maxEjectionPercent": 50},
        },
    }


def test_circuit_breaker_knobs_come_from_the_spec() -> None:
    policy = MeshPolicy.model_validate({"circuitBreaker": {
        "maxConnections": 10, "maxPendingRequests": 5, "maxRequests": 20,
        "consecutiveErrors": 3, "intervalSeconds": 5, "baseEjectionSeconds": 60,
        "maxEjectionPercent": 100}})
    traffic = destination_rule_spec(policy, "api-canary.shop.svc.cluster.local")
    assert traffic["host"] == "api-canary.shop.svc.cluster.local"
    assert traffic["trafficPolicy"]["connectionPool"] == {
        "tcp": {"maxConnections": 10},
        "http": {"http1MaxPendingRequests": 5, "http2MaxRequests": 20}}
    assert traffic["trafficPolicy"]["outlierDetection"] == {
        "consecutive5xxErrors": 3, "interval": "5s", "baseEjectionTime": "60s",
        "maxEjectionPercent": 100}


def test_authorization_allows_declared_callers_by_identity_and_monitoring_on_metrics() -> None:
    policy = render(spec(), environment=MESH, callers=["web", "batch"]).one(
        AUTHORIZATION_POLICY, "api")
    assert policy.spec["action"] == "ALLOW"
    assert policy.spec["selector"] == {"matchLabels": {
        "app.kubernetes.io/name": "api", "app.kubernetes.io/instance": "api-prod"}}
    assert policy.spec["rules"] == [
        {"from": [{"source": {"principals": ["cluster.local/ns/shop/sa/batch",
                                             "cluster.local/ns/shop/sa/web"]}}]},
        {"from": [{"source": {"namespaces": ["monitoring"]}}],
         "to": [{"operation": {"methods": ["GET"], "paths": ["/metrics"]}}]},
    ]


def test_public_services_also_admit_the_gateway_namespace() -> None:
    public = spec(exposure={"public": True, "host": "api.example.com"})
    rules = render(public, environment=MESH).one(AUTHORIZATION_POLICY).spec["rules"]
    assert {"from": [{"source": {"namespaces": ["istio-ingress"]}}]} in rules
    assert not any("principals" in str(rule) for rule in rules)  # no callers declared


def test_sidecars_may_reach_istiod_and_nothing_else_is_opened() -> None:
    registry = render(spec(), environment=MESH)
    policy = registry.one(NETWORK_POLICY, "api-istiod")
    assert policy.spec["policyTypes"] == ["Egress"]
    assert policy.spec["egress"] == [{
        "to": [{"namespaceSelector": {"matchLabels": {
            "kubernetes.io/metadata.name": "istio-system"}},
            "podSelector": {"matchLabels": {"app": "istiod"}}}],
        "ports": [{"protocol": "TCP", "port": 15012}],
    }]


def test_mesh_children_belong_to_the_microservice() -> None:
    registry = render(spec(), environment=MESH)
    component = registry.one(COMPONENT)
    assert registry.one(DESTINATION_RULE).parent == component.urn
    assert registry.one(AUTHORIZATION_POLICY).parent == component.urn
    assert {r.name for r in registry.of_type(DESTINATION_RULE)} == {"api-destination-rule"}


def test_http_resilience_defaults_fit_their_budget() -> None:
    assert http_resilience(spec()) == {
        "timeout": "3s",
        "retries": {"attempts": 2, "perTryTimeout": "1s",
                    "retryOn": "connect-failure,refused-stream,unavailable,cancelled"},
    }


def test_http_resilience_follows_the_spec() -> None:
    service = spec(mesh={"timeoutMs": 2500, "retries": {
        "attempts": 4, "perTryTimeoutMs": 500, "retryOn": ["5xx", "reset"]}})
    assert http_resilience(service) == {
        "timeout": "2.5s",
        "retries": {"attempts": 4, "perTryTimeout": "0.5s", "retryOn": "5xx,reset"}}


def test_zero_attempts_turns_retries_off() -> None:
    service = spec(mesh={"retries": {"attempts": 0}})
    assert http_resilience(service)["retries"] == {"attempts": 0}


@pytest.mark.parametrize(("ms", "text"), [(3000, "3s"), (250, "0.25s"), (1, "0.001s"),
                                          (90000, "90s")])
def test_durations_are_seconds_as_istio_reads_them(ms: int, text: str) -> None:
    assert seconds(ms) == text


def _error(mesh: dict[str, object]) -> str:
    with pytest.raises(ValueError) as caught:
        MeshPolicy.model_validate(mesh)
    return str(caught.value)


def test_retries_that_overrun_the_deadline_are_refused() -> None:
    message = _error({"timeoutMs": 1000, "retries": {"attempts": 2, "perTryTimeoutMs": 500}})
    assert "(1 + attempts) x perTryTimeoutMs must fit in timeoutMs (got 3 x 500 = 1500 > " \
        "1000)" in message


def test_a_try_longer_than_the_deadline_is_refused_even_without_retries() -> None:
    message = _error({"timeoutMs": 1000, "retries": {"attempts": 0, "perTryTimeoutMs": 2000}})
    assert "must be <= timeoutMs (got 2000 > 1000)" in message


def test_unknown_retry_condition_lists_the_valid_ones() -> None:
    message = _error({"retries": {"retryOn": ["5xx", "sometimes"]}})
    assert "unknown retry condition 'sometimes'; valid: 5xx, gateway-error" in message


def test_bad_mesh_spec_is_a_spec_error_naming_the_field(tmp_path: Path) -> None:
    file = tmp_path / "api.yaml"
    file.write_text(
        "name: api\nimage: registry.example.com/team/api@sha256:" + "a" * 64 + "\n"
        "version: 1.0.0\nmesh: {timeoutMs: 1000, retries: {attempts: 3, perTryTimeoutMs: 400}}\n")
    with pytest.raises(SpecError) as caught:
        load_file(file, "prod")
    assert any("api.yaml: mesh.retries.perTryTimeoutMs: (1 + attempts) x perTryTimeoutMs must "
               "fit in timeoutMs (got 4 x 400 = 1600 > 1000)" in p for p in caught.value.problems)
