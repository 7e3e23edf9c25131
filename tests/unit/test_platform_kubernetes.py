"""The Kubernetes platform components under mocks: every knob, pinned charts, bad input."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from importlib import resources
from typing import Any

import pulumi
import pytest

from mocking import Registry, run_under_mocks
from slipway import Environment, PeerSelector, SecretStoreRef, SpecError
from slipway.platform import (
    ExternalSecrets,
    ExternalSecretsArgs,
    Gateway,
    GatewayArgs,
    IssuerRef,
    KubernetesPlatform,
    KubernetesPlatformArgs,
    Mesh,
    MeshArgs,
    Observability,
    ObservabilityArgs,
    PublicHost,
    charts,
    public_hosts,
)
from slipway.platform.gateway import rate_limit_spec, vendored_crds
from slipway.spec.catalog import Catalog
from slipway.spec.service import ServiceSpec

RELEASE = "kubernetes:helm.sh/v3:Release"
NAMESPACE = "kubernetes:core/v1:Namespace"
CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"
GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway"
HTTP_ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"
CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate"
ENVOY_FILTER = "kubernetes:networking.istio.io/v1alpha3:EnvoyFilter"
PEER_AUTHENTICATION = "kubernetes:security.istio.io/v1:PeerAuthentication"
CLUSTER_SECRET_STORE = "kubernetes:external-secrets.io/v1:ClusterSecretStore"
EXTERNAL_SECRET = "kubernetes:external-secrets.io/v1:ExternalSecret"
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
ROLE_ARN = "arn:aws:iam::123456789012:role/eso"
PROD = Environment(name="prod", namespace="shop", mesh=True, observability=True,
                   gateway=PeerSelector("istio-ingress", {"istio": "ingressgateway"}))


def run(build: Callable[[], Any]) -> Registry:
    return run_under_mocks(build, stack="prod")


def releases(registry: Registry) -> dict[str, dict[str, Any]]:
    return {r.inputs["chart"]: r.inputs for r in registry.of_type(RELEASE)}


# --- charts -----------------------------------------------------------------------------------


def test_every_default_chart_is_pinned_to_an_exact_version_over_https() -> None:
    for chart in (charts.ISTIO_BASE, charts.ISTIO_CNI, charts.ISTIOD, charts.ISTIO_GATEWAY,
                  charts.CERT_MANAGER, charts.KUBE_PROMETHEUS_STACK,
                  charts.OPENTELEMETRY_COLLECTOR, charts.EXTERNAL_SECRETS):
        assert charts.EXACT_VERSION.match(chart.version), chart
        assert chart.repository.startswith("https://"), chart


@pytest.mark.parametrize("version", ["1.27", "^1.27.0", "~1.27.3", "latest", "1.x", ""])
def test_chart_versions_must_be_exact(version: str) -> None:
    with pytest.raises(ValueError, match=r"version must be exact such as 1\.27\.3"):
        charts.ISTIOD.at(version)


def test_chart_repository_must_be_https() -> None:
    with pytest.raises(ValueError, match="repository must be an https:// URL"):
        charts.Chart("x", "1.0.0", "http://charts.example.com")


def test_unknown_chart_mode_is_refused() -> None:
    def build() -> None:
        parent = pulumi.ComponentResource("test:index:Parent", "p")
        charts.release("x", charts.ISTIOD, "ns", {}, "maybe", parent=parent)  # type: ignore[arg-type]

    with pytest.raises(Exception, match="chart mode must be one of install, skip"):
        run(build)


# --- mesh -------------------------------------------------------------------------------------


def test_mesh_installs_four_pinned_istio_releases_in_order() -> None:
    registry = run(lambda: Mesh("mesh", MeshArgs()))
    found = releases(registry)
    assert sorted(found) == ["base", "cni", "gateway", "istiod"]
    for chart in found.values():
        assert chart["version"] == "1.27.3"
        assert chart["repositoryOpts"] == {
            "repo": "https://istio-release.storage.googleapis.com/charts"}
        assert chart["atomic"] is True
    assert found["istiod"]["namespace"] == "istio-system"
    assert found["istiod"]["values"]["pilot"]["cni"]["enabled"] is True
    assert found["gateway"]["namespace"] == "istio-ingress"
    assert found["gateway"]["name"] == "istio-ingressgateway"
    by_chart = {r.inputs["chart"]: r for r in registry.of_type(RELEASE)}
    assert by_chart["base"].urn in by_chart["istiod"].dependencies
    assert by_chart["istiod"].urn in by_chart["gateway"].dependencies


def test_mesh_version_and_gateway_knobs_reach_the_charts() -> None:
    args = MeshArgs(istio_version="1.26.5", gateway_labels={"app.kubernetes.io/name": "edge"},
                    gateway_replicas=3, load_balancer_annotations={"a": "b"})
    found = releases(run(lambda: Mesh("mesh", args)))
    assert {c["version"] for c in found.values()} == {"1.26.5"}
    assert found["gateway"]["values"] == {
        "labels": {"app.kubernetes.io/name": "edge"},
        "autoscaling": {"enabled": True, "minReplicas": 3},
        "service": {"type": "LoadBalancer", "annotations": {"a": "b"}},
    }


def test_mesh_wide_mtls_is_strict_in_the_system_namespace() -> None:
    registry = run(lambda: Mesh("mesh", MeshArgs()))
    policy = registry.one(PEER_AUTHENTICATION, "default")
    assert policy.inputs["metadata"]["namespace"] == "istio-system"
    assert policy.spec == {"mtls": {"mode": "STRICT"}}


def test_mesh_namespaces_and_their_pod_security() -> None:
    registry = run(lambda: Mesh("mesh", MeshArgs()))
    profiles = {r.k8s_name: r.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]
                for r in registry.of_type(NAMESPACE)}
    assert profiles == {"istio-system": "privileged", "istio-ingress": "baseline"}


def test_skipped_charts_create_no_release_and_say_which() -> None:
    mesh: list[Mesh] = []
    registry = run(lambda: mesh.append(Mesh("mesh", MeshArgs(charts="skip"))))
    assert not registry.of_type(RELEASE)
    assert registry.one(PEER_AUTHENTICATION, "default")
    assert mesh[0].skipped_charts == ["base@1.27.3", "cni@1.27.3", "istiod@1.27.3",
                                      "gateway@1.27.3"]


def test_installed_charts_report_nothing_skipped() -> None:
    mesh: list[Mesh] = []
    run(lambda: mesh.append(Mesh("mesh", MeshArgs())))
    assert mesh[0].skipped_charts == []


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"gateway_namespace": "istio-system"}, "gateway_namespace must differ from"),
    ({"system_namespace": "Istio"}, "system_namespace must be a DNS label"),
    ({"istio_version": "1.27"}, "version must be exact"),
    ({"gateway_replicas": 0}, "gateway_replicas must be >= 1"),
])
def test_bad_mesh_args_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MeshArgs(**kwargs)


# --- gateway ----------------------------------------------------------------------------------

HOSTS = [PublicHost("shop.example.com", 50, 100), PublicHost("api.example.com")]


def gateway(**kwargs: Any) -> Registry:
    args = GatewayArgs(**{"hosts": HOSTS, "route_namespaces": ["shop"], **kwargs})
    return run(lambda: Gateway("gateway", args))


def test_gateway_api_crds_come_from_the_vendored_bundle() -> None:
    registry = gateway()
    names = sorted(r.k8s_name for r in registry.of_type(CRD))
    assert names == sorted(d["metadata"]["name"] for d in vendored_crds())
    assert len(names) == 5
    httproutes = registry.one(CRD, "httproutes.gateway.networking.k8s.io")
    assert httproutes.inputs["metadata"]["annotations"][
        "gateway.networking.k8s.io/bundle-version"] == "v1.3.0"
    assert "creationTimestamp" not in httproutes.inputs["metadata"]


def test_gateway_has_an_https_listener_per_host_and_an_http_one() -> None:
    spec = gateway().one(GATEWAY, "slipway").spec
    assert spec["gatewayClassName"] == "istio"
    listeners = {lst["name"]: lst for lst in spec["listeners"]}
    assert sorted(listeners) == ["http", "https-api-example-com", "https-shop-example-com"]
    shop = listeners["https-shop-example-com"]
    assert (shop["hostname"], shop["port"], shop["protocol"]) == ("shop.example.com", 443,
                                                                  "HTTPS")
    assert shop["tls"] == {"mode": "Terminate", "certificateRefs": [
        {"kind": "Secret", "group": "", "name": "shop-example-com-tls"}]}
    assert shop["allowedRoutes"]["namespaces"]["selector"]["matchExpressions"][0][
        "values"] == ["shop"]
    assert listeners["http"]["allowedRoutes"] == {"namespaces": {"from": "Same"}}
    assert "addresses" not in spec


def test_gateway_binds_to_an_existing_gateway_service_when_given() -> None:
    address = "istio-ingressgateway.istio-ingress.svc.cluster.local"
    spec = gateway(address=address).one(GATEWAY).spec
    assert spec["addresses"] == [{"type": "Hostname", "value": address}]


def test_routes_only_from_the_gateway_namespace_without_route_namespaces() -> None:
    spec = gateway(route_namespaces=[]).one(GATEWAY).spec
    https = [lst for lst in spec["listeners"] if lst["protocol"] == "HTTPS"]
    assert all(lst["allowedRoutes"]["namespaces"] == {"from": "Same"} for lst in https)


def test_a_certificate_per_host_from_the_configured_issuer() -> None:
    registry = gateway(issuer=IssuerRef("internal-ca", "Issuer"))
    certificates = {r.k8s_name: r.spec for r in registry.of_type(CERTIFICATE)}
    assert sorted(certificates) == ["api-example-com-tls", "shop-example-com-tls"]
    assert certificates["shop-example-com-tls"] == {
        "secretName": "shop-example-com-tls",
        "dnsNames": ["shop.example.com"],
        "issuerRef": {"name": "internal-ca", "kind": "Issuer", "group": "cert-manager.io"},
        "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
    }


def test_http_redirects_to_https_unless_turned_off() -> None:
    route = gateway().one(HTTP_ROUTE, "slipway-https-redirect")
    assert route.spec == {
        "parentRefs": [{"name": "slipway", "sectionName": "http"}],
        "rules": [{"filters": [{"type": "RequestRedirect",
                                "requestRedirect": {"scheme": "https", "statusCode": 301}}]}],
    }
    assert not gateway(redirect_http=False).of_type(HTTP_ROUTE)


def test_cert_manager_is_a_pinned_release_unless_skipped_or_off() -> None:
    found = releases(gateway())
    assert found["cert-manager"]["version"] == "v1.18.2"
    assert found["cert-manager"]["repositoryOpts"] == {"repo": "https://charts.jetstack.io"}
    assert found["cert-manager"]["values"]["crds"] == {"enabled": True}
    assert not gateway(charts="skip").of_type(RELEASE)
    off = gateway(cert_manager=False)
    assert not off.of_type(RELEASE)
    assert "cert-manager" not in [r.k8s_name for r in off.of_type(NAMESPACE)]


def test_crds_can_be_left_to_another_owner() -> None:
    assert not gateway(crds=False).of_type(CRD)


def test_rate_limits_become_one_envoy_filter_with_a_bucket_per_limited_host() -> None:
    registry = gateway()
    envoy_filter = registry.one(ENVOY_FILTER, "slipway-rate-limits")
    spec = envoy_filter.spec
    assert spec["workloadSelector"] == {"labels": {"istio": "ingressgateway"}}
    patches = spec["configPatches"]
    assert [p["applyTo"] for p in patches] == ["HTTP_FILTER", "VIRTUAL_HOST"]
    vhost = patches[1]
    assert vhost["match"]["routeConfiguration"]["vhost"]["name"] == "shop.example.com:443"
    limit = vhost["patch"]["value"]["typed_per_filter_config"][
        "envoy.filters.http.local_ratelimit"]["value"]
    assert limit["token_bucket"] == {"max_tokens": 100, "tokens_per_fill": 50,
                                     "fill_interval": "1s"}


def test_burst_defaults_to_the_rate() -> None:
    spec = rate_limit_spec([PublicHost("a.example.com", 20)], {"istio": "ingressgateway"})
    assert spec is not None
    bucket = spec["configPatches"][1]["patch"]["value"]["typed_per_filter_config"][
        "envoy.filters.http.local_ratelimit"]["value"]["token_bucket"]
    assert bucket["max_tokens"] == 20


def test_no_envoy_filter_without_rate_limits() -> None:
    assert not gateway(hosts=[PublicHost("api.example.com")]).of_type(ENVOY_FILTER)


def test_gateway_namespace_is_created_only_when_asked() -> None:
    assert "istio-ingress" not in [r.k8s_name for r in gateway().of_type(NAMESPACE)]
    assert "istio-ingress" in [r.k8s_name for r in gateway(create_namespace=True).of_type(
        NAMESPACE)]


@pytest.mark.parametrize(("build", "message"), [
    (lambda: GatewayArgs(hosts=[PublicHost("a.example.com")] * 2), "hosts must not repeat"),
    (lambda: GatewayArgs(hosts=[PublicHost(f"h{i}.example.com") for i in range(64)]),
     "64 hosts need 65 listeners, above the Gateway API's 64"),
    (lambda: GatewayArgs(name="Slipway"), "name must be a DNS label"),
    (lambda: GatewayArgs(route_namespaces=["shop_ns"]), "route_namespaces must be a DNS label"),
    (lambda: PublicHost("https://shop.example.com"), "is not a host name"),
    (lambda: PublicHost("a.example.com", 10, 5), "burst must be >= requests_per_second"),
    (lambda: PublicHost("a.example.com", None, 5), "burst needs requests_per_second"),
    (lambda: PublicHost("a.example.com", 0), "requests_per_second must be >= 1"),
])
def test_bad_gateway_args_are_refused(build: Callable[[], Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def _catalog(*exposures: dict[str, Any]) -> Catalog:
    specs = {}
    for i, exposure in enumerate(exposures):
        name = f"svc{i}"
        specs[name] = ServiceSpec.model_validate({
            "name": name, "version": "1.0.0", "exposure": exposure,
            "image": "registry.example.com/a/b@sha256:" + "a" * 64})
    return Catalog(services=specs, sources={n: f"services/{n}.yaml" for n in specs})


def test_public_hosts_come_from_the_catalog_with_their_limits() -> None:
    catalog = _catalog(
        {"public": True, "host": "shop.example.com",
         "rateLimit": {"requestsPerSecond": 5, "burst": 10}},
        {"public": True, "host": "shop.example.com", "path": "/api",
         "rateLimit": {"requestsPerSecond": 5, "burst": 10}},
        {"public": True, "host": "admin.example.com"},
        {},
    )
    assert public_hosts(catalog) == [PublicHost("admin.example.com"),
                                     PublicHost("shop.example.com", 5, 10)]


def test_services_sharing_a_host_must_agree_on_its_limit() -> None:
    catalog = _catalog(
        {"public": True, "host": "shop.example.com", "rateLimit": {"requestsPerSecond": 5}},
        {"public": True, "host": "shop.example.com", "path": "/api"},
    )
    with pytest.raises(SpecError) as caught:
        public_hosts(catalog)
    assert caught.value.problems == [
        "host shop.example.com is shared, and the gateway limits a host as a whole: give every "
        "service on it the same exposure.rateLimit (services/svc0.yaml: exposure.rateLimit = "
        "5/s burst 5, services/svc1.yaml: exposure.rateLimit = none)"]


# --- observability ----------------------------------------------------------------------------


def test_observability_installs_pinned_prometheus_stack_and_collector() -> None:
    found = releases(run(lambda: Observability("obs", ObservabilityArgs())))
    stack = found["kube-prometheus-stack"]
    assert stack["version"] == "75.15.0"
    assert stack["repositoryOpts"] == {
        "repo": "https://prometheus-community.github.io/helm-charts"}
    assert stack["namespace"] == "monitoring"
    prometheus = stack["values"]["prometheus"]["prometheusSpec"]
    assert prometheus["serviceMonitorSelectorNilUsesHelmValues"] is False
    assert prometheus["ruleSelectorNilUsesHelmValues"] is False
    assert prometheus["retention"] == "15d"
    assert "podMetadata" not in prometheus
    assert stack["values"]["grafana"]["sidecar"]["dashboards"] == {
        "enabled": True, "label": "grafana_dashboard", "labelValue": "1",
        "searchNamespace": "ALL"}
    assert stack["values"]["grafana"]["admin"]["existingSecret"] == "grafana-admin"
    collector = found["opentelemetry-collector"]
    assert collector["version"] == "0.129.0"
    exporters = collector["values"]["config"]["exporters"]
    assert exporters["prometheusremotewrite"]["endpoint"] == \
        "http://kube-prometheus-stack-prometheus.monitoring.svc:9090/api/v1/write"
    assert collector["values"]["config"]["service"]["pipelines"]["traces"]["exporters"] == \
        ["debug"]


def test_observability_installs_the_blackbox_exporter_the_synthetic_checks_use() -> None:
    obs: list[Observability] = []
    found = releases(run(lambda: obs.append(Observability("obs", ObservabilityArgs()))))
    blackbox = found["prometheus-blackbox-exporter"]
    assert blackbox["version"] == "11.4.0"
    assert blackbox["namespace"] == "monitoring"
    assert blackbox["values"]["fullnameOverride"] == "blackbox-exporter"
    # The address every public service's Probe uses by default.
    assert obs[0].blackbox_exporter == Environment(name="prod", namespace="shop").blackbox_exporter
    args = ObservabilityArgs(namespace="observability", blackbox_exporter_version="11.5.0")
    found = releases(run(lambda: obs.append(Observability("obs", args))))
    assert found["prometheus-blackbox-exporter"]["version"] == "11.5.0"
    assert obs[1].blackbox_exporter == "blackbox-exporter.observability.svc:9115"


def test_observability_versions_retention_and_traces_are_knobs() -> None:
    args = ObservabilityArgs(kube_prometheus_stack_version="76.0.0",
                             opentelemetry_collector_version="0.130.1", retention="30d",
                             traces_endpoint="tempo.tracing:4317", namespace="observability")
    found = releases(run(lambda: Observability("obs", args)))
    assert found["kube-prometheus-stack"]["version"] == "76.0.0"
    assert found["kube-prometheus-stack"]["namespace"] == "observability"
    assert found["kube-prometheus-stack"]["values"]["prometheus"]["prometheusSpec"][
        "retention"] == "30d"
    collector = found["opentelemetry-collector"]["values"]["config"]
    assert collector["exporters"]["otlp"] == {"endpoint": "tempo.tracing:4317"}
    assert collector["service"]["pipelines"]["traces"]["exporters"] == ["otlp"]


def test_with_the_mesh_prometheus_gets_a_certificate_only_sidecar() -> None:
    found = releases(run(lambda: Observability("obs", ObservabilityArgs(mesh=True))))
    prometheus = found["kube-prometheus-stack"]["values"]["prometheus"]["prometheusSpec"]
    annotations = prometheus["podMetadata"]["annotations"]
    assert annotations["traffic.sidecar.istio.io/includeOutboundIPRanges"] == ""
    assert "OUTPUT_CERTS: /etc/istio-output-certs" in annotations["proxy.istio.io/config"]
    assert prometheus["volumeMounts"] == [{"name": "istio-certs",
                                           "mountPath": "/etc/prom-certs/"}]


def test_grafana_admin_comes_from_the_secret_store_when_given() -> None:
    store = SecretStoreRef("aws-secrets-manager", key_prefix="slipway/prod")
    registry = run(lambda: Observability("obs", ObservabilityArgs(admin_secret_store=store)))
    secret = registry.one(EXTERNAL_SECRET, "grafana-admin")
    assert secret.spec["secretStoreRef"] == {"kind": "ClusterSecretStore",
                                             "name": "aws-secrets-manager"}
    assert [d["remoteRef"] for d in secret.spec["data"]] == [
        {"key": "slipway/prod/grafana", "property": "admin-user"},
        {"key": "slipway/prod/grafana", "property": "admin-password"}]
    assert not run(lambda: Observability("obs", ObservabilityArgs())).of_type(EXTERNAL_SECRET)


def test_observability_skip_creates_the_namespace_but_no_release() -> None:
    obs: list[Observability] = []
    registry = run(lambda: obs.append(Observability("obs", ObservabilityArgs(charts="skip"))))
    assert not registry.of_type(RELEASE)
    assert registry.one(NAMESPACE, "monitoring")
    assert obs[0].skipped_charts == ["kube-prometheus-stack@75.15.0",
                                     "opentelemetry-collector@0.129.0",
                                     "prometheus-blackbox-exporter@11.4.0"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"retention": "15 days"}, "retention must be a duration such as 15d"),
    ({"namespace": "Monitoring"}, "namespace must be a DNS label"),
    ({"kube_prometheus_stack_version": ">=75"}, "version must be exact"),
    ({"blackbox_exporter_version": "11"}, "version must be exact"),
])
def test_bad_observability_args_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ObservabilityArgs(**kwargs)


# --- external secrets -------------------------------------------------------------------------


def test_external_secrets_operator_runs_as_an_irsa_service_account() -> None:
    args = ExternalSecretsArgs(region="eu-west-1", role_arn=ROLE_ARN)
    registry = run(lambda: ExternalSecrets("eso", args))
    account = registry.one(SERVICE_ACCOUNT, "external-secrets")
    assert account.inputs["metadata"]["namespace"] == "external-secrets"
    assert account.inputs["metadata"]["annotations"] == {
        "eks.amazonaws.com/role-arn": ROLE_ARN}
    chart = releases(registry)["external-secrets"]
    assert chart["version"] == "0.20.4"
    assert chart["repositoryOpts"] == {"repo": "https://charts.external-secrets.io"}
    assert chart["values"]["serviceAccount"] == {"create": False, "name": "external-secrets"}
    store = registry.one(CLUSTER_SECRET_STORE, "aws-secrets-manager")
    assert store.spec == {"provider": {"aws": {
        "service": "SecretsManager", "region": "eu-west-1",
        "auth": {"jwt": {"serviceAccountRef": {"name": "external-secrets",
                                               "namespace": "external-secrets"}}}}}}


def test_role_arn_may_be_another_resource_s_output() -> None:
    def build() -> None:
        arn = pulumi.Output.from_input(ROLE_ARN).apply(lambda a: a)
        ExternalSecrets("eso", ExternalSecretsArgs(region="us-east-1", role_arn=arn,
                                                   store_name="secrets", charts="skip"))

    registry = run(build)
    assert registry.one(SERVICE_ACCOUNT).inputs["metadata"]["annotations"][
        "eks.amazonaws.com/role-arn"] == ROLE_ARN
    assert registry.one(CLUSTER_SECRET_STORE, "secrets")
    assert not registry.of_type(RELEASE)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"region": "Europe"}, "region must be an AWS region such as eu-west-1"),
    ({"store_name": "AWS"}, "store_name must be a DNS label"),
    ({"chart_version": "0.20"}, "version must be exact"),
])
def test_bad_external_secrets_args_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ExternalSecretsArgs(**{"region": "eu-west-1", "role_arn": ROLE_ARN, **kwargs})


# --- the composed platform --------------------------------------------------------------------


def full_args(env: Environment = PROD, mode: charts.ChartMode = "install") -> \
        KubernetesPlatformArgs:
    return KubernetesPlatformArgs(
        environment=env,
        mesh=MeshArgs(charts=mode) if env.mesh else None,
        gateway=GatewayArgs(hosts=HOSTS, charts=mode, route_namespaces=[env.namespace],
                            namespace=env.gateway.namespace,
                            gateway_labels=dict(env.gateway.pod_labels)),
        observability=ObservabilityArgs(charts=mode, mesh=env.mesh)
        if env.observability else None,
        external_secrets=ExternalSecretsArgs(region="eu-west-1", role_arn=ROLE_ARN,
                                             charts=mode),
    )


def test_platform_composes_its_parts_as_children() -> None:
    registry = run(lambda: KubernetesPlatform("platform", full_args()))
    platform = registry.one("slipway:platform:KubernetesPlatform")
    parts = {r.type for r in registry.children_of(platform)}
    assert parts == {"slipway:platform:Mesh", "slipway:platform:Gateway",
                     "slipway:platform:Observability", "slipway:platform:ExternalSecrets"}
    assert len(registry.of_type(RELEASE)) == 9
    for resource in registry.resources:
        if resource.type != "slipway:platform:KubernetesPlatform":
            assert resource.parent, resource.name


def test_platform_with_skipped_charts_lists_all_nine() -> None:
    platform: list[KubernetesPlatform] = []
    registry = run(lambda: platform.append(KubernetesPlatform("platform",
                                                              full_args(mode="skip"))))
    assert not registry.of_type(RELEASE)
    assert len(platform[0].skipped_charts) == 9


def test_without_the_mesh_the_gateway_creates_its_own_namespace() -> None:
    env = Environment(name="prod", namespace="shop", mesh=False, observability=False,
                      gateway=PeerSelector("edge", {"app": "edge"}))
    args = KubernetesPlatformArgs(environment=env, gateway=GatewayArgs(
        namespace="edge", gateway_class="other", charts="skip"))
    registry = run(lambda: KubernetesPlatform("platform", args))
    assert "edge" in [r.k8s_name for r in registry.of_type(NAMESPACE)]
    assert not registry.of_type(PEER_AUTHENTICATION)


@pytest.mark.parametrize(("change", "message"), [
    (lambda a: KubernetesPlatformArgs(environment=a.environment, gateway=a.gateway,
                                      observability=a.observability),
     "environment.mesh is True but the mesh is not installed"),
    (lambda a: KubernetesPlatformArgs(environment=a.environment, mesh=a.mesh,
                                      gateway=a.gateway),
     "environment.observability is True but observability is not installed"),
    (lambda a: KubernetesPlatformArgs(environment=a.environment, mesh=MeshArgs(
        gateway_namespace="gw"), observability=a.observability),
     r"mesh.gateway_namespace \(gw\) must be environment.gateway.namespace \(istio-ingress\)"),
    (lambda a: KubernetesPlatformArgs(environment=a.environment, mesh=a.mesh,
                                      observability=a.observability,
                                      gateway=GatewayArgs(name="public",
                                                          namespace="istio-ingress")),
     r"gateway.name \(public\) must be environment.gateway_name \(slipway\)"),
    (lambda a: KubernetesPlatformArgs(environment=a.environment, mesh=a.mesh,
                                      observability=ObservabilityArgs(namespace="obs",
                                                                      mesh=True)),
     r"observability.namespace \(obs\) must be environment.monitoring.namespace"),
    (lambda a: KubernetesPlatformArgs(environment=a.environment, mesh=a.mesh,
                                      observability=ObservabilityArgs(mesh=False)),
     r"observability.mesh \(False\) must be environment.mesh \(True\)"),
])
def test_a_platform_that_disagrees_with_its_environment_registers_nothing(
        change: Callable[[KubernetesPlatformArgs], KubernetesPlatformArgs],
        message: str) -> None:
    registry = Registry()
    with pytest.raises(Exception, match=message):
        run_under_mocks(lambda: KubernetesPlatform("platform", change(full_args())),
                        stack="prod", registry=registry)
    assert len(registry) == 0


def test_vendored_crds_match_the_checksums_their_readme_records() -> None:
    folder = resources.files("slipway.platform").joinpath("crds", "gateway-api")
    readme = folder.joinpath("README.md").read_text()
    recorded = dict(re.findall(r"^\| (\S+\.yaml) \| ([0-9a-f]{64}) \|$", readme, re.M))
    files = sorted(e.name for e in folder.iterdir() if e.name.endswith(".yaml"))
    assert sorted(recorded) == files
    for name in files:
        digest = hashlib.sha256(folder.joinpath(name).read_bytes()).hexdigest()
        assert digest == recorded[name], name
    assert "sigs.k8s.io/gateway-api@v1.3.0" in readme
