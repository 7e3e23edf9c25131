"""The Kubernetes platform with the real engine: mesh and observability on, charts skipped.

A `platform` stack (environment prod) renders to out/platform: no cluster, no chart download.
It proves what an offline render of the prod platform contains, and that skipped charts are
said so in the outputs.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

from engine_project import ROOT, Project
from slipway.tooling import stacks

SKIPS = yaml.safe_load((Path(__file__).parent / "manifest_check_skips.yaml").read_text())
ROLE_ARN = "arn:aws:iam::123456789012:role/slipway-prod-external-secrets"
STACK = """\
config:
  slipway:environment: prod
  slipway:kubernetes:
    renderDir: out/platform
  slipway:gateway:
    namespace: istio-ingress
    podLabels:
      istio: ingressgateway
  slipway:secretStore:
    name: aws-secrets-manager
    keyPrefix: slipway/prod
  slipway:platform:
    charts: skip
    mesh: {enabled: true}
    gateway: {issuer: {name: letsencrypt-prod}}
    observability: {enabled: true}
    externalSecrets:
      enabled: true
      region: eu-west-1
      roleArn: ROLE_ARN
""".replace("ROLE_ARN", ROLE_ARN)


def render(project: Project) -> dict[str, dict[str, Any]]:
    (project.path / "Pulumi.platform.yaml").write_text(STACK)
    storefront = project.services / "storefront.yaml"
    storefront.write_text(storefront.read_text().replace(
        "exposure: {public: true, host: shop.example.com, path: /}",
        "exposure: {public: true, host: shop.example.com, path: /, "
        "rateLimit: {requestsPerSecond: 50, burst: 100}}"))
    result = project.stack("platform").up(on_output=project.log.append, color="never")
    out = project.path / "out" / "platform"
    documents = {str(p.relative_to(out)): yaml.safe_load(p.read_text())
                 for p in stacks.rendered_files(out)}
    assert result.outputs["platformSkippedCharts"].value == [
        "base@1.27.3", "cni@1.27.3", "istiod@1.27.3", "gateway@1.27.3",
        "external-secrets@0.20.4", "cert-manager@v1.18.2",
        "kube-prometheus-stack@75.15.0", "opentelemetry-collector@0.129.0",
        "prometheus-blackbox-exporter@11.4.0",
    ]
    return documents


def one(documents: dict[str, dict[str, Any]], kind: str, name: str,
        namespace: str | None = None) -> dict[str, Any]:
    found = [d for d in documents.values() if d["kind"] == kind
             and d["metadata"]["name"] == name
             and (namespace is None or d["metadata"].get("namespace") == namespace)]
    assert len(found) == 1, (kind, name, namespace, len(found))
    return found[0]


def test_platform_renders_offline_with_mesh_gateway_and_monitoring(project: Project) -> None:
    documents = render(project)
    kinds = sorted({d["kind"] for d in documents.values()})
    # Charts skipped: nothing Helm could not render, no release at all.
    assert "Release" not in kinds
    crds = sorted(d["metadata"]["name"] for d in documents.values()
                  if d["kind"] == "CustomResourceDefinition")
    assert crds == [
        "gatewayclasses.gateway.networking.k8s.io", "gateways.gateway.networking.k8s.io",
        "grpcroutes.gateway.networking.k8s.io", "httproutes.gateway.networking.k8s.io",
        "referencegrants.gateway.networking.k8s.io",
    ]
    httproutes = one(documents, "CustomResourceDefinition", "httproutes.gateway.networking.k8s.io")
    assert httproutes["metadata"]["annotations"]["gateway.networking.k8s.io/bundle-version"] \
        == "v1.3.0"
    assert "status" not in httproutes

    mtls = one(documents, "PeerAuthentication", "default", "istio-system")
    assert mtls["spec"] == {"mtls": {"mode": "STRICT"}}

    gateway = one(documents, "Gateway", "slipway", "istio-ingress")
    assert gateway["apiVersion"] == "gateway.networking.k8s.io/v1"
    https = [lst for lst in gateway["spec"]["listeners"] if lst["protocol"] == "HTTPS"]
    assert [(lst["hostname"], lst["port"]) for lst in https] == [("shop.example.com", 443)]
    assert https[0]["tls"]["certificateRefs"][0]["name"] == "shop-example-com-tls"
    assert gateway["spec"]["addresses"] == [
        {"type": "Hostname", "value": "istio-ingressgateway.istio-ingress.svc.cluster.local"}]
    certificate = one(documents, "Certificate", "shop-example-com-tls", "istio-ingress")
    assert certificate["spec"]["issuerRef"]["name"] == "letsencrypt-prod"
    redirect = one(documents, "HTTPRoute", "slipway-https-redirect", "istio-ingress")
    assert redirect["spec"]["rules"][0]["filters"][0]["requestRedirect"]["scheme"] == "https"
    limits = one(documents, "EnvoyFilter", "slipway-rate-limits", "istio-ingress")
    bucket = limits["spec"]["configPatches"][1]["patch"]["value"]["typed_per_filter_config"][
        "envoy.filters.http.local_ratelimit"]["value"]["token_bucket"]
    assert bucket == {"max_tokens": 100, "tokens_per_fill": 50, "fill_interval": "1s"}

    store = one(documents, "ClusterSecretStore", "aws-secrets-manager")
    assert store["spec"]["provider"]["aws"]["region"] == "eu-west-1"
    operator_account = one(documents, "ServiceAccount", "external-secrets", "external-secrets")
    assert operator_account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"] == ROLE_ARN

    namespace = one(documents, "Namespace", "slipway-prod")
    assert namespace["metadata"]["labels"]["istio-injection"] == "enabled"
    catalog = sorted(p.stem for p in project.services.glob("*.yaml"))
    for service in catalog:
        monitor = one(documents, "ServiceMonitor", service, "slipway-prod")
        assert monitor["spec"]["endpoints"][0]["port"] == "http"
        assert monitor["spec"]["endpoints"][0]["scheme"] == "https"  # through Istio mTLS
        rule = one(documents, "PrometheusRule", f"{service}-slo", "slipway-prod")
        alerts = [r for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r]
        assert len(alerts) == 8
        one(documents, "ConfigMap", f"{service}-dashboard", "slipway-prod")
        rule_host = one(documents, "DestinationRule", service, "slipway-prod")["spec"]["host"]
        assert rule_host == f"{service}.slipway-prod.svc.cluster.local"
        one(documents, "AuthorizationPolicy", service, "slipway-prod")
    orders = one(documents, "AuthorizationPolicy", "orders", "slipway-prod")
    principals = orders["spec"]["rules"][0]["from"][0]["source"]["principals"]
    assert principals == ["cluster.local/ns/slipway-prod/sa/fulfillment-worker",
                          "cluster.local/ns/slipway-prod/sa/storefront"]
    orders_alert = one(documents, "PrometheusRule", "orders-slo", "slipway-prod")
    assert any("> 0.0144 and" in r.get("expr", "")
               for g in orders_alert["spec"]["groups"] for r in g["rules"])


def test_platform_manifests_pass_kubernetes_validate(project: Project) -> None:
    documents = render(project)
    skipped_kinds = set(SKIPS["kubernetes-validate"])
    out = project.path / "out" / "platform"
    files = [str(out / name) for name, d in sorted(documents.items())
             if f"{d['apiVersion']}/{d['kind']}" not in skipped_kinds]
    assert any("customresourcedefinition" in f for f in files)
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "kubernetes-validate"), "-k", "1.33.0", "--strict",
         "--quiet", *files],
        capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
