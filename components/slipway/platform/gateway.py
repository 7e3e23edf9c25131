"""Gateway: Gateway API CRDs, the shared `Gateway` public services attach to, TLS, rate limits.

Creates, all parented to the component:
- the Gateway API standard CRDs, vendored in platform/crds/gateway-api (see its README), one
  CustomResourceDefinition resource each, so they render and install without a download;
- cert-manager through its pinned Helm chart (unless charts are skipped or it is turned off)
  and a `Certificate` per public host, from a configurable issuer;
- a `gateway.networking.k8s.io/v1` Gateway named after `Environment.gateway_name` with an
  HTTPS listener per public host (TLS terminated with that host's certificate) and a plain
  HTTP listener whose only route redirects to HTTPS;
- for hosts whose service asks for `exposure.rateLimit`: one Istio EnvoyFilter on the gateway
  pods with a local (per gateway pod) token bucket per host; over the limit answers 429.

Per-service HTTPRoutes attach to the HTTPS listeners; they are built with the releases, not
here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

import pulumi
import pulumi_kubernetes as k8s
import yaml

from ..environment import Environment
from ..spec.catalog import Catalog
from ..spec.errors import SpecError
from ..spec.validation import DNS_LABEL, HOST_NAME
from . import charts as helm
from .charts import ChartMode
from .mesh import INGRESS_GATEWAY_LABELS, MeshArgs
from .namespaces import platform_namespace

TYPE_TOKEN = "slipway:platform:Gateway"
GATEWAY_API = "gateway.networking.k8s.io/v1"
CERT_MANAGER_API = "cert-manager.io/v1"
ENVOY_FILTER_API = "networking.istio.io/v1alpha3"
GATEWAY_API_VERSION = "v1.3.0"
MAX_LISTENERS = 64  # the Gateway API's limit per Gateway
LOCAL_RATE_LIMIT = "envoy.filters.http.local_ratelimit"
LOCAL_RATE_LIMIT_TYPE = "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3." \
    "LocalRateLimit"
TYPED_STRUCT = "type.googleapis.com/udpa.type.v1.TypedStruct"


@dataclass(frozen=True)
class PublicHost:
    """A host name the gateway serves, with its rate limit if the service asks for one."""

    host: str
    """Host name, e.g. shop.example.com."""
    requests_per_second: int | None = None
    """Sustained requests per second per gateway pod; None: no limit. Default None."""
    burst: int | None = None
    """Token bucket size; None: requests_per_second. Default None."""

    def __post_init__(self) -> None:
        if not re.match(HOST_NAME, self.host):
            raise ValueError(f"gateway: host {self.host!r} is not a host name such as "
                             "shop.example.com")
        if self.requests_per_second is None and self.burst is not None:
            raise ValueError(f"gateway: {self.host}: burst needs requests_per_second")
        if self.requests_per_second is not None and self.requests_per_second < 1:
            raise ValueError(f"gateway: {self.host}: requests_per_second must be >= 1 (got "
                             f"{self.requests_per_second})")
        if self.burst is not None and self.requests_per_second is not None and \
                self.burst < self.requests_per_second:
            raise ValueError(f"gateway: {self.host}: burst must be >= requests_per_second "
                             f"(got {self.burst} < {self.requests_per_second})")

    @property
    def bucket_size(self) -> int | None:
        return self.burst if self.burst is not None else self.requests_per_second


def public_hosts(catalog: Catalog) -> list[PublicHost]:
    """The catalog's public hosts; services sharing a host must agree on its rate limit."""
    by_host: dict[str, list[tuple[str, tuple[int, int] | None]]] = {}
    for spec in catalog:
        exposure = spec.exposure
        if not exposure.public or exposure.host is None:
            continue
        limit = exposure.rate_limit
        by_host.setdefault(exposure.host, []).append(
            (spec.name, (limit.requests_per_second, limit.bucket_size) if limit else None))
    hosts = []
    problems = []
    for host in sorted(by_host):
        limits = {limit for _, limit in by_host[host]}
        if len(limits) > 1:
            shown = ", ".join(
                f"{catalog.sources[name]}: exposure.rateLimit = "
                + (f"{lim[0]}/s burst {lim[1]}" if lim else "none")
                for name, lim in by_host[host])
            problems.append(
                f"host {host} is shared, and the gateway limits a host as a whole: give every "
                f"service on it the same exposure.rateLimit ({shown})")
            continue
        agreed = limits.pop()
        hosts.append(PublicHost(host, agreed[0], agreed[1]) if agreed else PublicHost(host))
    if problems:
        raise SpecError(problems)
    return hosts


@dataclass(frozen=True)
class IssuerRef:
    """The cert-manager issuer that signs the gateway's certificates."""

    name: str = "letsencrypt"
    """Issuer name. Default letsencrypt (create it with your ACME account and solver)."""
    kind: Literal["ClusterIssuer", "Issuer"] = "ClusterIssuer"
    """ClusterIssuer (any namespace) or Issuer (in the gateway namespace). Default
    ClusterIssuer."""


@dataclass(frozen=True)
class GatewayArgs:
    """The shared public entry point."""

    hosts: Sequence[PublicHost] = ()
    """Public hosts: one HTTPS listener and certificate each. Default none (HTTP listener
    only)."""
    route_namespaces: Sequence[str] = ()
    """Namespaces whose HTTPRoutes may attach to the HTTPS listeners (the services'). Default
    none: only routes in the gateway's own namespace."""
    name: str = Environment.gateway_name
    """Gateway name (the Environment's `gateway_name`). Default: Environment.gateway_name."""
    namespace: str = MeshArgs.gateway_namespace
    """Namespace of the Gateway, its certificates and rate limits (the Environment's
    `gateway.namespace`). Default: the mesh's ingress gateway namespace,
    MeshArgs.gateway_namespace."""
    gateway_class: str = "istio"
    """GatewayClass that implements it. Default istio."""
    address: str | None = None
    """Bind to an existing gateway Service (e.g. the Mesh's ingress gateway,
    istio-ingressgateway.istio-ingress.svc.cluster.local). Default None: the implementation
    deploys one."""
    gateway_labels: Mapping[str, str] = field(
        default_factory=lambda: dict(INGRESS_GATEWAY_LABELS))
    """Pod labels of the gateway Deployment, which the rate-limit EnvoyFilter selects."""
    issuer: IssuerRef = field(default_factory=IssuerRef)
    """Who signs the certificates. Default ClusterIssuer letsencrypt."""
    redirect_http: bool = True
    """Answer plain HTTP on port 80 with a 301 to HTTPS. Default on."""
    crds: bool = True
    """Create the vendored Gateway API CRDs. Default on; off when another owner installs
    them."""
    cert_manager: bool = True
    """Install cert-manager (its Helm chart, with CRDs). Default on."""
    charts: ChartMode = "install"
    """install: cert-manager's Helm release; skip: none. Default install."""
    cert_manager_version: str = helm.CERT_MANAGER.version
    """Exact cert-manager chart version. Default v1.18.2."""
    create_namespace: bool = False
    """Create `namespace` here. Default off: the Mesh creates it with the ingress gateway."""

    def __post_init__(self) -> None:
        for what, value in (("name", self.name), ("namespace", self.namespace),
                            *(("route_namespaces", n) for n in self.route_namespaces)):
            if not re.match(DNS_LABEL, value):
                raise ValueError(f"gateway: {what} must be a DNS label (got {value!r})")
        names = [h.host for h in self.hosts]
        repeated = sorted({h for h in names if names.count(h) > 1})
        if repeated:
            raise ValueError(f"gateway: hosts must not repeat (repeated: {', '.join(repeated)})")
        if len(names) + 1 > MAX_LISTENERS:
            raise ValueError(
                f"gateway: {len(names)} hosts need {len(names) + 1} listeners, above the "
                f"Gateway API's {MAX_LISTENERS}; split the hosts across gateways"
            )
        helm.CERT_MANAGER.at(self.cert_manager_version)


def listener_name(host: str) -> str:
    """A listener (section) name for a host: https-shop-example-com."""
    return "https-" + host.replace(".", "-")


def tls_secret_name(host: str) -> str:
    return host.replace(".", "-") + "-tls"


def gateway_spec(args: GatewayArgs) -> dict[str, Any]:
    if args.route_namespaces:
        allowed: dict[str, Any] = {"namespaces": {"from": "Selector", "selector": {
            "matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In",
                                  "values": sorted(args.route_namespaces)}]}}}
    else:
        allowed = {"namespaces": {"from": "Same"}}
    listeners: list[dict[str, Any]] = [{
        "name": "http",
        "port": 80,
        "protocol": "HTTP",
        # Only the redirect route (in the gateway's namespace) attaches here.
        "allowedRoutes": {"namespaces": {"from": "Same"}},
    }]
    for host in args.hosts:
        listeners.append({
            "name": listener_name(host.host),
            "hostname": host.host,
            "port": 443,
            "protocol": "HTTPS",
            "tls": {"mode": "Terminate",
                    "certificateRefs": [{"kind": "Secret", "group": "",
                                         "name": tls_secret_name(host.host)}]},
            "allowedRoutes": {**allowed, "kinds": [{"kind": "HTTPRoute"}]},
        })
    spec: dict[str, Any] = {"gatewayClassName": args.gateway_class, "listeners": listeners}
    if args.address is not None:
        spec["addresses"] = [{"type": "Hostname", "value": args.address}]
    return spec


def redirect_route_spec(args: GatewayArgs) -> dict[str, Any]:
    return {
        "parentRefs": [{"name": args.name, "sectionName": "http"}],
        "rules": [{"filters": [{"type": "RequestRedirect",
                                "requestRedirect": {"scheme": "https", "statusCode": 301}}]}],
    }


def certificate_spec(host: str, issuer: IssuerRef) -> dict[str, Any]:
    return {
        "secretName": tls_secret_name(host),
        "dnsNames": [host],
        "issuerRef": {"name": issuer.name, "kind": issuer.kind, "group": "cert-manager.io"},
        "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
    }


def _typed(value: dict[str, Any]) -> dict[str, Any]:
    return {"@type": TYPED_STRUCT, "type_url": LOCAL_RATE_LIMIT_TYPE, "value": value}


def rate_limit_spec(hosts: Iterable[PublicHost], gateway_labels: Mapping[str, str],
                    port: int = 443) -> dict[str, Any] | None:
    """EnvoyFilter spec: the local rate limit filter (off by default) on the gateway, then a
    token bucket per limited host's virtual host (`<host>:<port>`). None: no host is limited."""
    limited = [h for h in hosts if h.requests_per_second is not None]
    if not limited:
        return None
    always = {"default_value": {"numerator": 100, "denominator": "HUNDRED"}}
    patches: list[dict[str, Any]] = [{
        "applyTo": "HTTP_FILTER",
        "match": {"context": "GATEWAY", "listener": {"filterChain": {"filter": {
            "name": "envoy.filters.network.http_connection_manager"}}}},
        "patch": {"operation": "INSERT_BEFORE", "value": {
            "name": LOCAL_RATE_LIMIT,
            # No bucket here: hosts without a limit pass untouched.
            "typed_config": _typed({"stat_prefix": "http_local_rate_limiter"}),
        }},
    }]
    for host in limited:
        patches.append({
            "applyTo": "VIRTUAL_HOST",
            "match": {"context": "GATEWAY",
                      "routeConfiguration": {"vhost": {"name": f"{host.host}:{port}"}}},
            "patch": {"operation": "MERGE", "value": {"typed_per_filter_config": {
                LOCAL_RATE_LIMIT: _typed({
                    "stat_prefix": "http_local_rate_limiter",
                    "token_bucket": {"max_tokens": host.bucket_size,
                                     "tokens_per_fill": host.requests_per_second,
                                     "fill_interval": "1s"},
                    "filter_enabled": {**always, "runtime_key": "local_rate_limit_enabled"},
                    "filter_enforced": {**always, "runtime_key": "local_rate_limit_enforced"},
                    "response_headers_to_add": [{
                        "append_action": "OVERWRITE_IF_EXISTS_OR_ADD",
                        "header": {"key": "x-slipway-rate-limited", "value": "true"}}],
                }),
            }}},
        })
    return {"workloadSelector": {"labels": dict(gateway_labels)}, "configPatches": patches}


def vendored_crds() -> list[dict[str, Any]]:
    """The vendored Gateway API CRDs, without the status and timestamps a cluster fills in."""
    documents = []
    folder = resources.files("slipway.platform").joinpath("crds", "gateway-api")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        document = yaml.safe_load(entry.read_text())
        document.pop("status", None)
        document["metadata"].pop("creationTimestamp", None)
        documents.append(document)
    return documents


class Gateway(pulumi.ComponentResource):
    """The public entry point services' HTTPRoutes attach to."""

    gateway_name: pulumi.Output[str]
    namespace: pulumi.Output[str]
    skipped_charts: list[str]

    def __init__(self, name: str, args: GatewayArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        crds: list[pulumi.Resource] = []
        if args.crds:
            for document in vendored_crds():
                short = document["metadata"]["name"].split(".", 1)[0]
                crds.append(k8s.apiextensions.v1.CustomResourceDefinition(
                    f"{name}-crd-{short}",
                    metadata=document["metadata"],
                    spec=document["spec"],
                    opts=child,
                ))
        if args.create_namespace:
            platform_namespace(f"{name}-namespace", args.namespace, "baseline", self)
        cert_manager_chart = helm.CERT_MANAGER.at(args.cert_manager_version)
        cert_manager = None
        if args.cert_manager:
            namespace = platform_namespace(f"{name}-cert-manager-namespace", "cert-manager",
                                           "restricted", self)
            cert_manager = helm.release(
                f"{name}-cert-manager", cert_manager_chart,
                namespace.metadata.apply(lambda m: m["name"]),
                {"crds": {"enabled": True}, "config": {"enableGatewayAPI": True}},
                args.charts, parent=self, depends_on=crds)
        after_crds = pulumi.ResourceOptions(parent=self, depends_on=crds)
        after_cert_manager = pulumi.ResourceOptions(
            parent=self, depends_on=[cert_manager] if cert_manager is not None else [])
        for host in args.hosts:
            k8s.apiextensions.CustomResource(
                f"{name}-certificate-{host.host}",
                api_version=CERT_MANAGER_API,
                kind="Certificate",
                metadata={"name": tls_secret_name(host.host), "namespace": args.namespace},
                spec=certificate_spec(host.host, args.issuer),
                opts=after_cert_manager,
            )
        gateway = k8s.apiextensions.CustomResource(
            f"{name}-gateway",
            api_version=GATEWAY_API,
            kind="Gateway",
            metadata={"name": args.name, "namespace": args.namespace},
            spec=gateway_spec(args),
            opts=after_crds,
        )
        if args.redirect_http:
            k8s.apiextensions.CustomResource(
                f"{name}-https-redirect",
                api_version=GATEWAY_API,
                kind="HTTPRoute",
                metadata={"name": f"{args.name}-https-redirect", "namespace": args.namespace},
                spec=redirect_route_spec(args),
                opts=after_crds,
            )
        limits = rate_limit_spec(args.hosts, args.gateway_labels)
        if limits is not None:
            k8s.apiextensions.CustomResource(
                f"{name}-rate-limits",
                api_version=ENVOY_FILTER_API,
                kind="EnvoyFilter",
                metadata={"name": f"{args.name}-rate-limits", "namespace": args.namespace},
                spec=limits,
                opts=child,
            )
        # Known once the Gateway is registered, so dependents wait for it.
        self.gateway_name = pulumi.Output.all(args.name, gateway.id).apply(lambda v: v[0])
        self.namespace = pulumi.Output.from_input(args.namespace)
        self.skipped_charts = helm.skipped(args.charts, cert_manager_chart) \
            if args.cert_manager else []
        self.register_outputs({
            "gatewayName": self.gateway_name,
            "namespace": self.namespace,
            "hosts": [h.host for h in args.hosts],
            "gatewayApiVersion": GATEWAY_API_VERSION,
            "skippedCharts": self.skipped_charts,
        })
