"""`slipway:platform` settings: parsing, errors, the Environment and the component args; and
the program with a platform under mocks."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest
from stack_fixtures import settings_from

from mocking import Registry, run_under_mocks
from slipway import SpecError
from slipway.platform import PublicHost
from slipway.stack import PlatformSettings, StackSettings

ROOT = Path(__file__).resolve().parents[2]
SOURCE = "Pulumi.prod.yaml"
ROLE_ARN = "arn:aws:iam::123456789012:role/slipway-eso"
BASE: dict[str, Any] = {
    "environment": "prod",
    "kubernetes": {"renderDir": "out/prod"},
    "secretStore": {"name": "aws-secrets-manager"},
    "gateway": {"namespace": "istio-ingress", "podLabels": {"istio": "ingressgateway"}},
}


def parse(platform: dict[str, Any] | None, **more: Any) -> StackSettings:
    values = {**BASE, **more}
    if platform is not None:
        values["platform"] = platform
    return settings_from(values, SOURCE)


def problems(platform: dict[str, Any], **more: Any) -> list[str]:
    with pytest.raises(SpecError) as caught:
        parse(platform, **more)
    return caught.value.problems


def test_without_platform_the_environment_keeps_its_defaults() -> None:
    env = parse(None).to_environment()
    assert (env.mesh, env.observability) == (False, True)


def test_platform_defaults_turn_mesh_and_observability_on() -> None:
    settings = parse({})
    assert settings.platform == PlatformSettings()
    env = settings.to_environment()
    assert (env.mesh, env.observability) == (True, True)


def test_mesh_and_observability_switches_reach_the_environment() -> None:
    env = parse({"mesh": {"enabled": False}, "observability": {"enabled": False}}
                ).to_environment()
    assert (env.mesh, env.observability) == (False, False)


def test_settings_become_component_args() -> None:
    settings = parse({
        "charts": "skip",
        "mesh": {"istioVersion": "1.26.5", "gatewayReplicas": 3},
        "gateway": {"issuer": {"name": "internal", "kind": "Issuer"}, "redirectHttp": False,
                    "certManagerVersion": "v1.17.0"},
        "observability": {"kubePrometheusStackVersion": "76.1.0", "retention": "30d",
                          "tracesEndpoint": "tempo.tracing:4317"},
        "externalSecrets": {"enabled": True, "region": "eu-west-1", "roleArn": ROLE_ARN},
    })
    env = settings.to_environment()
    assert settings.platform is not None
    args = settings.platform.to_args(env, [PublicHost("shop.example.com")],
                                     secret_store=settings.secret_store_ref())
    assert args.mesh is not None and args.gateway is not None
    assert args.observability is not None and args.external_secrets is not None
    assert (args.mesh.charts, args.mesh.istio_version, args.mesh.gateway_replicas) == (
        "skip", "1.26.5", 3)
    assert args.mesh.gateway_namespace == "istio-ingress"
    assert args.gateway.address == "istio-ingressgateway.istio-ingress.svc.cluster.local"
    assert (args.gateway.issuer.name, args.gateway.issuer.kind) == ("internal", "Issuer")
    assert args.gateway.redirect_http is False
    assert args.gateway.cert_manager_version == "v1.17.0"
    assert args.gateway.route_namespaces == ["slipway-prod"]
    assert args.gateway.name == env.gateway_name
    assert args.observability.kube_prometheus_stack_version == "76.1.0"
    assert args.observability.mesh is True
    assert args.observability.traces_endpoint == "tempo.tracing:4317"
    assert args.observability.admin_secret_store is not None
    assert args.external_secrets.role_arn == ROLE_ARN
    assert args.external_secrets.charts == "skip"


def test_the_aws_platform_s_role_wins_over_the_setting() -> None:
    settings = parse({"externalSecrets": {"enabled": True, "region": "eu-west-1",
                                          "roleArn": ROLE_ARN}})
    assert settings.platform is not None
    args = settings.platform.to_args(settings.to_environment(), [], role_arn="from-aws")
    assert args.external_secrets is not None and args.external_secrets.role_arn == "from-aws"


def test_external_secrets_need_a_role_from_somewhere() -> None:
    settings = parse({"externalSecrets": {"enabled": True, "region": "eu-west-1"}})
    assert settings.platform is not None
    with pytest.raises(SpecError) as caught:
        settings.platform.to_args(settings.to_environment(), [], source=SOURCE)
    assert caught.value.problems == [
        "Pulumi.prod.yaml: slipway:platform.externalSecrets.roleArn: is required when the AWS "
        "platform does not provide the operator's role"]


def test_parts_turned_off_are_none() -> None:
    settings = parse({"mesh": {"enabled": False}, "gateway": {"enabled": False},
                      "observability": {"enabled": False}})
    assert settings.platform is not None
    args = settings.platform.to_args(settings.to_environment(), [])
    assert (args.mesh, args.gateway, args.observability, args.external_secrets) == (
        None, None, None, None)


@pytest.mark.parametrize(("platform", "expected"), [
    ({"charts": "offline"},
     "Pulumi.prod.yaml: slipway:platform.charts: input should be 'install' or 'skip' "
     "(got 'offline')"),
    ({"mesh": {"istioVersion": "1.27"}},
     "Pulumi.prod.yaml: slipway:platform.mesh.istioVersion: must be an exact chart version "
     "such as 1.27.3; a range or tag would let an unreviewed chart in (got '1.27')"),
    ({"observability": {"kubePrometheusStackVersion": "latest"}},
     "Pulumi.prod.yaml: slipway:platform.observability.kubePrometheusStackVersion: must be an "
     "exact chart version such as 1.27.3; a range or tag would let an unreviewed chart in "
     "(got 'latest')"),
    ({"externalSecrets": {"enabled": True}},
     "Pulumi.prod.yaml: slipway:platform.externalSecrets.region: is required when "
     "externalSecrets.enabled is true (e.g. eu-west-1)"),
    ({"externalSecrets": {"region": "Ireland"}},
     "Pulumi.prod.yaml: slipway:platform.externalSecrets.region: must be an AWS region such "
     "as eu-west-1 (got 'Ireland')"),
    ({"externalSecrets": {"roleArn": "eso-role"}},
     "Pulumi.prod.yaml: slipway:platform.externalSecrets.roleArn: must be an IAM role ARN such "
     "as arn:aws:iam::123456789012:role/name (got 'eso-role')"),
    ({"gateway": {"issuer": {"kind": "Vault"}}},
     "Pulumi.prod.yaml: slipway:platform.gateway.issuer.kind: input should be 'ClusterIssuer' "
     "or 'Issuer' (got 'Vault')"),
    ({"observability": {"retention": "forever"}},
     "Pulumi.prod.yaml: slipway:platform.observability.retention: must be a duration in hours, "
     "days or weeks such as 15d, 72h or 2w (got 'forever')"),
    ({"observability": {"tracesEndpoint": "http://tempo:4317"}},
     "Pulumi.prod.yaml: slipway:platform.observability.tracesEndpoint: must be host:port such "
     "as tempo.tracing:4317, without a scheme (got 'http://tempo:4317')"),
    ({"mesh": {"enable": True}},
     "Pulumi.prod.yaml: slipway:platform.mesh.enable: unknown field (did you mean 'enabled'?)"),
])
def test_bad_platform_settings_name_the_field(platform: dict[str, Any], expected: str) -> None:
    found = problems(platform)
    assert len(found) == 1
    assert found[0].startswith(expected), found[0]


def test_the_services_store_must_be_the_platform_s_store() -> None:
    found = problems({"externalSecrets": {"enabled": True, "region": "eu-west-1",
                                          "storeName": "aws-sm"}})
    assert found == [
        "Pulumi.prod.yaml: slipway:secretStore.name: must be the platform's store 'aws-sm' "
        "(platform.externalSecrets.storeName) or services read from a store that does not "
        "exist (got 'aws-secrets-manager')"]


# --- the program ------------------------------------------------------------------------------

PROGRAM_CONFIG = {f"slipway:{key}": value for key, value in BASE.items()} | {
    "slipway:platform": {"charts": "skip", "externalSecrets": {
        "enabled": True, "region": "eu-west-1", "roleArn": ROLE_ARN}},
}


def run_program(config: dict[str, Any], registry: Registry | None = None) -> Registry:
    return run_under_mocks(lambda: runpy.run_path(str(ROOT / "__main__.py")), stack="prod",
                           config=config, registry=registry)


@pytest.fixture(autouse=True)
def _in_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_program_builds_the_platform_and_services_wait_for_it() -> None:
    registry = run_program(PROGRAM_CONFIG)
    platform = registry.one("slipway:platform:KubernetesPlatform")
    assert registry.one("kubernetes:gateway.networking.k8s.io/v1:Gateway", "slipway")
    namespace = registry.one("kubernetes:core/v1:Namespace", "slipway-prod")
    assert namespace.inputs["metadata"]["labels"]["istio-injection"] == "enabled"
    mtls = registry.one("kubernetes:security.istio.io/v1:PeerAuthentication", "default")
    assert registry.by_urn(mtls.parent).parent == platform.urn  # platform > mesh > mtls
    for service in registry.of_type("slipway:index:Microservice"):
        # Depending on a component is depending on everything under it.
        assert mtls.urn in service.dependencies, service.name
    # One circuit breaker per Service the services run (canary services add `<name>-stable`).
    service_namespace = "slipway-prod"
    assert len(registry.of_type("kubernetes:networking.istio.io/v1:DestinationRule")) == len(
        [s for s in registry.of_type("kubernetes:core/v1:Service")
         if s.inputs["metadata"]["namespace"] == service_namespace])
    assert registry.outputs["platformSkippedCharts"][0] == "base@1.27.3"


def test_program_without_platform_settings_builds_no_platform() -> None:
    config = {k: v for k, v in PROGRAM_CONFIG.items() if k != "slipway:platform"}
    registry = run_program(config)
    assert not registry.of_type("slipway:platform:KubernetesPlatform")
    assert "istio-injection" not in registry.one(
        "kubernetes:core/v1:Namespace", "slipway-prod").inputs["metadata"]["labels"]
    assert not registry.of_type("kubernetes:networking.istio.io/v1:DestinationRule")


def test_program_refuses_a_platform_without_an_operator_role_and_registers_nothing() -> None:
    config = PROGRAM_CONFIG | {"slipway:platform": {"externalSecrets": {
        "enabled": True, "region": "eu-west-1"}}}
    registry = Registry()
    with pytest.raises(SpecError, match=r"slipway:platform\.externalSecrets\.roleArn: is required"):
        run_program(config, registry)
    assert len(registry) == 0
